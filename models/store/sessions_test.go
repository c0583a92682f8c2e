package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func TestSessionStoreHonoursExpiryByTheStoreClock(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		ss := s.SessionStore()
		if _, ok := ss.(scs.CtxStore); !ok {
			t.Fatal("the session store does not take contexts")
		}
		// scs hands expiries in local time; the store compares instants.
		expiry := clock.Now().Add(30 * time.Minute).In(time.FixedZone("CET", 3600))
		if err := ss.Commit("tok-1", []byte("first"), expiry); err != nil {
			t.Fatal(err)
		}
		if err := ss.Commit("tok-1", []byte("second"), expiry); err != nil { // overwrites
			t.Fatal(err)
		}
		if err := ss.Commit("tok-2", []byte{}, clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name      string
			advance   time.Duration
			token     string
			wantFound bool
			wantData  string
		}{
			{"fresh session is found with its latest data", 0, "tok-1", true, "second"},
			{"empty data is found", 0, "tok-2", true, ""},
			{"unknown token is not found", 0, "tok-3", false, ""},
			{"a second before expiry it is found", 30*time.Minute - time.Second, "tok-1", true, "second"},
			{"at expiry it is gone", time.Second, "tok-1", false, ""},
			{"the later session is still found", 0, "tok-2", true, ""},
		}
		for _, tc := range tests {
			clock.Advance(tc.advance)
			b, found, err := ss.Find(tc.token)
			if err != nil || found != tc.wantFound || string(b) != tc.wantData {
				t.Errorf("%s: Find(%s) = %q, %v, %v; want %q, %v", tc.name, tc.token, b, found, err, tc.wantData, tc.wantFound)
			}
		}
		if n, _ := s.CountForTest(ctx, "sessions"); n != 2 {
			t.Errorf("%d session rows before clean-up, want 2", n)
		}
		if err := s.DeleteExpiredSessions(ctx); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountForTest(ctx, "sessions"); n != 1 {
			t.Errorf("%d session rows after clean-up, want 1", n)
		}
		if err := ss.Delete("tok-2"); err != nil {
			t.Fatal(err)
		}
		if err := ss.Delete("never-existed"); err != nil {
			t.Errorf("Delete of an unknown token: %v", err)
		}
		if _, found, _ := ss.Find("tok-2"); found {
			t.Error("deleted session found")
		}
	})
}

func TestSessionTokensAreStoredHashed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		token := "Sup3rSecretSessionToken"
		if err := s.SessionStore().Commit(token, []byte("data"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		stored, err := s.QueryStringsForTest(ctx, "SELECT token_hash FROM sessions")
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(token))
		if len(stored) != 1 || stored[0] != hex.EncodeToString(sum[:]) {
			t.Errorf("stored tokens = %q, want only the SHA-256 of the token", stored)
		}
	})
}

func TestBindSession(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		ss := s.SessionStore()
		alice := mustUser(t, s, "alice@acme.example", models.UserExternal)

		// At sign-in the binding may come before scs saves the renewed
		// session: the placeholder is never found, and the commit keeps the
		// binding.
		if err := s.BindSession(ctx, "renewed", alice.ID); err != nil {
			t.Fatal(err)
		}
		if _, found, _ := ss.Find("renewed"); found {
			t.Error("a bound but uncommitted session is found")
		}
		if n, _ := s.CountUserSessions(ctx, alice.ID); n != 0 {
			t.Errorf("CountUserSessions before commit = %d", n)
		}
		if err := ss.Commit("renewed", []byte("signed in"), clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		// And the other way round: bind a session scs already saved.
		if err := ss.Commit("existing", []byte("x"), clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.BindSession(ctx, "existing", alice.ID); err != nil {
			t.Fatal(err)
		}
		if b, found, _ := ss.Find("existing"); !found || string(b) != "x" {
			t.Errorf("binding changed the session: %q, %v", b, found)
		}
		if n, err := s.CountUserSessions(ctx, alice.ID); err != nil || n != 2 {
			t.Errorf("CountUserSessions = %d, %v; want 2", n, err)
		}
		wantKind(t, s.BindSession(ctx, "other", 9999), models.NotFound, "")

		deactivate(t, s, alice)
		for _, tok := range []string{"renewed", "existing"} {
			if _, found, _ := ss.Find(tok); found {
				t.Errorf("session %s survived the deactivation", tok)
			}
		}
	})
}

// TestSessionStoreWithSCS runs scs's session manager on the store: a value
// put in one request is read in the next, and destroying the session
// removes its data from the database.
func TestSessionStoreWithSCS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sm := scs.New()
		sm.Store = s.SessionStore()
		mux := http.NewServeMux()
		mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) { sm.Put(r.Context(), "user", "alice") })
		mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, sm.GetString(r.Context(), "user")) })
		mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
			if err := sm.Destroy(r.Context()); err != nil {
				t.Error(err)
			}
		})
		srv := httptest.NewServer(sm.LoadAndSave(mux))
		defer srv.Close()
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar}
		get := func(path string) string {
			t.Helper()
			resp, err := client.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return string(b)
		}
		get("/put")
		if got := get("/get"); got != "alice" {
			t.Errorf("value read back = %q, want alice", got)
		}
		if n, _ := s.CountForTest(ctx, "sessions"); n != 1 {
			t.Errorf("%d session rows, want 1", n)
		}
		get("/logout")
		// Only a tombstone without data is left (it keeps a late save from
		// reviving the token).
		if live, err := s.QueryStringsForTest(ctx, "SELECT token_hash FROM sessions WHERE length(data) > 0"); err != nil || len(live) != 0 {
			t.Errorf("session rows with data after Destroy = %v, %v; want none", live, err)
		}
		if got := get("/get"); got != "" {
			t.Errorf("value after Destroy = %q", got)
		}
	})
}

// A request still in flight when its session is destroyed (sign-out in
// another tab, token renewal) saves the session at its end: that late save
// must not bring the destroyed session back.
func TestSessionStoreDoesNotReviveADestroyedSession(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ss := s.SessionStore()
		expiry := clock.Now().Add(time.Hour)
		if err := ss.Commit("signed-in", []byte("v1"), expiry); err != nil {
			t.Fatal(err)
		}
		if err := ss.Delete("signed-in"); err != nil { // sign-out
			t.Fatal(err)
		}
		if err := ss.Commit("signed-in", []byte("v2"), expiry); err != nil { // the in-flight request's save
			t.Fatal(err)
		}
		if b, found, err := ss.Find("signed-in"); err != nil || found {
			t.Errorf("destroyed session found again: %q, %v, %v", b, found, err)
		}
		// New sessions are still created, and live ones updated.
		if err := ss.Commit("fresh", []byte("a"), expiry); err != nil {
			t.Fatal(err)
		}
		if err := ss.Commit("fresh", []byte("b"), expiry); err != nil {
			t.Fatal(err)
		}
		if b, found, err := ss.Find("fresh"); err != nil || !found || string(b) != "b" {
			t.Errorf("fresh session = %q, %v, %v; want \"b\"", b, found, err)
		}
	})
}
