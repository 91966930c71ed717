package main

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// The request rules of proto/identity/v1/identity.proto, as identityd applies
// them (server/service/request_validation.cc, server/widget/app_id.cc). Each
// returns "" when the value is valid, else a message naming the field.

func validateAppID(appID string) string {
	if appID == "" {
		return "app_id: is required"
	}
	if len(appID) > 128 {
		return "app_id: must be at most 128 characters; got " + strconv.Itoa(len(appID))
	}
	for i := 0; i < len(appID); i++ {
		c := appID[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '.' || c == '_' || c == '-') {
			return "app_id: must contain only the characters [A-Za-z0-9._-]"
		}
	}
	return ""
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }

// isWhitespace: Unicode's White_Space property (the ASCII ones below 0x20 are
// controls too).
func isWhitespace(r rune) bool {
	return r == 0x20 || r == 0x85 || r == 0xa0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200a) ||
		r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000
}

func validateEmail(email string) string {
	if email == "" {
		return "email: is required"
	}
	if len(email) < 3 || len(email) > 254 {
		return "email: must be 3..254 bytes; got " + strconv.Itoa(len(email))
	}
	// gRPC-Go's proto codec already refuses strings that are not UTF-8; the
	// rule stays here too.
	if !utf8.ValidString(email) {
		return "email: must be valid UTF-8"
	}
	for _, r := range email {
		if isControl(r) || isWhitespace(r) {
			return "email: must not contain whitespace or control characters"
		}
	}
	at := strings.IndexByte(email, '@')
	if at < 0 || strings.IndexByte(email[at+1:], '@') >= 0 {
		return "email: must contain exactly one '@'"
	}
	if at == 0 {
		return "email: the part before '@' must not be empty"
	}
	if at == len(email)-1 {
		return "email: the domain after '@' must not be empty"
	}
	return ""
}

func validateClaim(field, value string, allowEmpty bool) string {
	if value == "" && !allowEmpty {
		return field + ": must not be empty when set (leave it unset to omit the claim)"
	}
	if len(value) > 256 {
		return field + ": must be at most 256 bytes; got " + strconv.Itoa(len(value))
	}
	if !utf8.ValidString(value) {
		return field + ": must be valid UTF-8"
	}
	for _, r := range value {
		if isControl(r) {
			return field + ": must not contain control characters"
		}
	}
	return ""
}
