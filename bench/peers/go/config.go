package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// secretSource is where one secret is read from, as in identityd's config.
type secretSource struct {
	File string `json:"file"`
	Env  string `json:"env"`
}

type widgetConfig struct {
	AppID           string        `json:"app_id"`
	EmailHashSecret *secretSource `json:"email_hash_secret"`
	JWTSecret       *secretSource `json:"jwt_secret"`
}

type config struct {
	Widgets []widgetConfig `json:"widgets"`
}

// loadWidgets reads identityd's --config format (README "Configuration"), so
// that the peer serves the same widgets with the same secrets. Secrets are
// decoded and checked once, here, never per call.
func loadWidgets(path string) (map[string]*widget, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c config
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	widgets := make(map[string]*widget, len(c.Widgets))
	for i, wc := range c.Widgets {
		where := fmt.Sprintf("widgets[%d]", i)
		if msg := validateAppID(wc.AppID); msg != "" {
			return nil, fmt.Errorf("%s.%s", where, msg)
		}
		if _, dup := widgets[wc.AppID]; dup {
			return nil, fmt.Errorf("%s.app_id: duplicate", where)
		}
		w := &widget{}
		if wc.EmailHashSecret != nil {
			secret, err := readSecret(*wc.EmailHashSecret, filepath.Dir(path))
			if err != nil {
				return nil, fmt.Errorf("%s.email_hash_secret: %v", where, err)
			}
			key, err := hex.DecodeString(secret) // either case
			if err != nil || len(key) < 16 || len(key) > 64 {
				return nil, fmt.Errorf("%s.email_hash_secret: must be hex decoding to 16..64 bytes", where)
			}
			w.hashKey = key
		}
		if wc.JWTSecret != nil {
			secret, err := readSecret(*wc.JWTSecret, filepath.Dir(path))
			if err != nil {
				return nil, fmt.Errorf("%s.jwt_secret: %v", where, err)
			}
			if len(secret) < 16 || len(secret) > 256 || strings.IndexFunc(secret, func(r rune) bool {
				return r < 0x20 || r > 0x7e
			}) >= 0 {
				return nil, fmt.Errorf("%s.jwt_secret: must be 16..256 printable ASCII characters", where)
			}
			w.jwtKey = []byte(secret) // signed with exactly as displayed
		}
		w.init()
		widgets[wc.AppID] = w
	}
	return widgets, nil
}

// readSecret returns the secret without one trailing newline, as identityd does.
func readSecret(src secretSource, dir string) (string, error) {
	var text string
	switch {
	case src.File != "" && src.Env == "":
		path := src.File
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("cannot read secret file %s", path)
		}
		text = string(b)
	case src.Env != "" && src.File == "":
		v, ok := os.LookupEnv(src.Env)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", src.Env)
		}
		text = v
	default:
		return "", fmt.Errorf("set exactly one of file or env")
	}
	text = strings.TrimSuffix(text, "\n")
	return text, nil
}
