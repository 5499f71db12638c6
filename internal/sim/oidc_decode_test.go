package sim

import (
	"encoding/base64"
	"testing"
)

func TestDecodeJWT(t *testing.T) {
	t.Parallel()
	enc := base64.RawURLEncoding.EncodeToString
	hdr := enc([]byte(`{"alg":"RS256","typ":"JWT","kid":"k1"}`))
	claims, sig := enc([]byte(`{"sub":"x"}`)), enc([]byte("sig"))
	for _, tc := range []struct {
		name, token string
		wantOK      bool
	}{
		{"three parts", hdr + "." + claims + "." + sig, true},
		{"two parts", hdr + "." + claims, false},
		{"four parts", hdr + "." + claims + "." + sig + "." + sig, false},
		{"header not base64url", "a+b." + claims + "." + sig, false},
		{"claims not base64url", hdr + ".a+b." + sig, false},
		{"signature not base64url", hdr + "." + claims + ".a+b", false},
		{"header not JSON", enc([]byte("nope")) + "." + claims + "." + sig, false},
	} {
		h, c, s, ok := decodeJWT(tc.token)
		if ok != tc.wantOK {
			t.Errorf("%s: decodeJWT ok = %v, want %v", tc.name, ok, tc.wantOK)
			continue
		}
		if ok && (h != jwtHeader{Alg: "RS256", Typ: "JWT", Kid: "k1"} || string(c) != `{"sub":"x"}` || string(s) != "sig") {
			t.Errorf("%s: decodeJWT = %+v, %q, %q", tc.name, h, c, s)
		}
	}
}
