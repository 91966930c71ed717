package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	identityv1 "identityd/bench/peers/go/gen/identity/v1"
)

// widget holds one widget's secrets, decoded once at start.
type widget struct {
	hashKey []byte // the hex-decoded email-hash secret; nil: none
	jwtKey  []byte // the JWT secret's bytes as displayed; nil: none
	hmacs   sync.Pool
}

func (w *widget) init() {
	key := w.hashKey
	w.hmacs.New = func() any { return hmac.New(sha256.New, key) }
}

// widgetClaims are the token's claims, in a struct (not a map) so that
// encoding/json writes them without reflection over a map; optional claims are
// omitted when unset.
type widgetClaims struct {
	Email             string  `json:"email"`
	Audience          string  `json:"aud"`
	IssuedAt          int64   `json:"iat"`
	ExpiresAt         int64   `json:"exp"`
	Name              *string `json:"name,omitempty"`
	AccountID         *string `json:"account_id,omitempty"`
	AccountExternalID *string `json:"account_external_id,omitempty"`
	ContactID         *string `json:"contact_id,omitempty"`
	ContactExternalID *string `json:"contact_external_id,omitempty"`
}

// The jwt.Claims interface (used by golang-jwt's parser, not by signing).
func (c *widgetClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.ExpiresAt, 0)), nil
}
func (c *widgetClaims) GetIssuedAt() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(time.Unix(c.IssuedAt, 0)), nil
}
func (c *widgetClaims) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }
func (c *widgetClaims) GetIssuer() (string, error)              { return "", nil }
func (c *widgetClaims) GetSubject() (string, error)             { return "", nil }
func (c *widgetClaims) GetAudience() (jwt.ClaimStrings, error) {
	return jwt.ClaimStrings{c.Audience}, nil
}

type identityServer struct {
	identityv1.UnimplementedIdentityServiceServer
	widgets map[string]*widget // read-only after start
}

func invalid(msg string) error { return status.Error(codes.InvalidArgument, msg) }

// lookup finds the widget of a valid app_id.
func (s *identityServer) lookup(appID string) (*widget, error) {
	w, ok := s.widgets[appID]
	if !ok {
		return nil, status.Error(codes.NotFound, "app_id: no widget is registered with this app_id")
	}
	return w, nil
}

func (s *identityServer) IssueEmailHash(ctx context.Context, req *identityv1.IssueEmailHashRequest) (*identityv1.IssueEmailHashResponse, error) {
	if msg := validateAppID(req.GetAppId()); msg != "" {
		return nil, invalid(msg)
	}
	if msg := validateEmail(req.GetEmail()); msg != "" {
		return nil, invalid(msg)
	}
	w, err := s.lookup(req.GetAppId())
	if err != nil {
		return nil, err
	}
	if w.hashKey == nil {
		return nil, status.Error(codes.FailedPrecondition, "app_id: the widget has no email-hash secret")
	}
	mac := w.hmacs.Get().(hash.Hash)
	mac.Reset()
	mac.Write([]byte(req.GetEmail()))
	var sum [sha256.Size]byte
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], mac.Sum(sum[:0]))
	w.hmacs.Put(mac)
	return &identityv1.IssueEmailHashResponse{EmailHash: string(out[:]), SecretVersion: 1}, nil
}

func (s *identityServer) IssueWidgetToken(ctx context.Context, req *identityv1.IssueWidgetTokenRequest) (*identityv1.IssueWidgetTokenResponse, error) {
	if msg := validateAppID(req.GetAppId()); msg != "" {
		return nil, invalid(msg)
	}
	if msg := validateEmail(req.GetEmail()); msg != "" {
		return nil, invalid(msg)
	}
	claims := widgetClaims{Email: req.GetEmail(), Audience: req.GetAppId()}
	optional := []struct {
		field      string
		value      *string
		allowEmpty bool
		claim      **string
	}{
		{"name", req.Name, true, &claims.Name},
		{"account_id", req.AccountId, false, &claims.AccountID},
		{"account_external_id", req.AccountExternalId, false, &claims.AccountExternalID},
		{"contact_id", req.ContactId, false, &claims.ContactID},
		{"contact_external_id", req.ContactExternalId, false, &claims.ContactExternalID},
	}
	for _, o := range optional {
		if o.value == nil {
			continue
		}
		if msg := validateClaim(o.field, *o.value, o.allowEmpty); msg != "" {
			return nil, invalid(msg)
		}
		*o.claim = o.value
	}
	ttl := int64(600)
	if t := req.GetTtl(); t != nil {
		if t.GetNanos() != 0 {
			return nil, invalid("ttl: must be a whole number of seconds (nanos must be 0)")
		}
		if t.GetSeconds() < 1 || t.GetSeconds() > 900 {
			return nil, invalid("ttl: must be 1..900 seconds")
		}
		ttl = t.GetSeconds()
	}
	w, err := s.lookup(req.GetAppId())
	if err != nil {
		return nil, err
	}
	if w.jwtKey == nil {
		return nil, status.Error(codes.FailedPrecondition, "app_id: the widget has no JWT secret")
	}
	claims.IssuedAt = time.Now().Unix()
	claims.ExpiresAt = claims.IssuedAt + ttl
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, &claims).SignedString(w.jwtKey)
	if err != nil {
		return nil, status.Error(codes.Internal, "cannot sign the token")
	}
	return &identityv1.IssueWidgetTokenResponse{
		Jwt:           token,
		ExpiresAt:     &timestamppb.Timestamp{Seconds: claims.ExpiresAt},
		SecretVersion: 1,
	}, nil
}
