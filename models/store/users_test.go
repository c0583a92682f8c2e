package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func TestCreateUser(t *testing.T) {
	tests := []struct {
		name      string
		in        models.User
		wantKind  models.Kind // "" = success
		wantEmail string
		wantName  string
		wantUKind models.UserKind
	}{
		{"email is trimmed and lower-cased", models.User{Email: "  Alice.Smith@Example.COM ", Name: " Alice ", Kind: models.UserStaff},
			"", "alice.smith@example.com", "Alice", models.UserStaff},
		{"kind defaults to external", models.User{Email: "dev@acme.example"}, "", "dev@acme.example", "", models.UserExternal},
		{"client-set ID, status, verification and times are ignored", models.User{ID: 999, Email: "mallory@acme.example", Name: "Mallory",
			Status: models.UserDeactivated, EmailVerified: false, CreatedAt: time.Unix(1, 0), UpdatedAt: time.Unix(2, 0), LastLoginAt: ptr(time.Unix(3, 0))},
			"", "mallory@acme.example", "Mallory", models.UserExternal},
		{"SQL in the name is stored as text", models.User{Email: "x@acme.example", Name: "x'); DROP TABLE users; --"}, "", "x@acme.example", "x'); DROP TABLE users; --", models.UserExternal},
		{"unknown kind is invalid", models.User{Email: "k@acme.example", Kind: "admin"}, models.Invalid, "", "", ""},
		{"empty email is invalid", models.User{Email: "  "}, models.Invalid, "", "", ""},
		{"address without domain is invalid", models.User{Email: "alice@"}, models.Invalid, "", "", ""},
		{"address without local part is invalid", models.User{Email: "@example.com"}, models.Invalid, "", "", ""},
		{"display name form is invalid", models.User{Email: "Alice <alice@example.com>"}, models.Invalid, "", "", ""},
		{"two addresses are invalid", models.User{Email: "a@example.com, b@example.com"}, models.Invalid, "", "", ""},
		{"overlong email is invalid", models.User{Email: strings.Repeat("a", 250) + "@example.com"}, models.Invalid, "", "", ""},
		{"overlong name is invalid", models.User{Email: "n@acme.example", Name: strings.Repeat("n", 201)}, models.Invalid, "", "", ""},
		{"taken email in another case is a conflict", models.User{Email: "TAKEN@acme.example"}, models.Conflict, "", "", ""},
	}
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		mustUser(t, s, "taken@acme.example", models.UserExternal)
		admin := mustUser(t, s, "admin@meridian.example", models.UserStaff)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := len(allEvents(t, s))
				in := tc.in
				in.PasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"
				got, err := s.CreateUser(ctx, actorOf(admin), in)
				if tc.wantKind != "" {
					wantKind(t, err, tc.wantKind, "")
					if n := len(allEvents(t, s)); n != before {
						t.Errorf("a refused CreateUser wrote %d audit events", n-before)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				want := models.User{ID: got.ID, Email: tc.wantEmail, Name: tc.wantName, Kind: tc.wantUKind, Status: models.UserActive,
					EmailVerified: true, PasswordHash: in.PasswordHash, CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
				if got.ID == 0 || got.ID == 999 {
					t.Errorf("ID = %d: not assigned by the store", got.ID)
				}
				assertEqual(t, "created user", got, want)
				found, err := s.FindUser(ctx, got.ID)
				if err != nil {
					t.Fatal(err)
				}
				assertEqual(t, "FindUser", found, want)
				byEmail, err := s.FindUserByEmail(ctx, strings.ToUpper(tc.wantEmail))
				if err != nil {
					t.Fatal(err)
				}
				assertEqual(t, "FindUserByEmail", byEmail, want)

				events := eventsSince(t, s, before)
				if len(events) != 1 {
					t.Fatalf("events = %v, want one user.create", actions(events))
				}
				e := events[0]
				if e.Action != "user.create" || e.Target != fmt.Sprintf("user:%d", got.ID) || *e.ActorID != admin.ID ||
					e.ActorEmail != admin.Email || e.RequestID != "req-admin@meridian.example" || e.ClientIP != "192.0.2.10" ||
					e.Subsidiary != "" || e.Before != "" || !e.At.Equal(clock.Now()) {
					t.Errorf("audit event = %+v", e)
				}
				after := decode(t, e.After)
				if after["email"] != tc.wantEmail || after["kind"] != string(tc.wantUKind) || after["status"] != "active" {
					t.Errorf("audit after = %v", after)
				}
				if strings.Contains(e.After, "argon2") {
					t.Errorf("audit event records the password hash: %s", e.After)
				}
			})
		}
		wantChainIntact(t, s)
	})
}

func TestFindUserUnknownIsNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, err := s.FindUser(ctx, 12345)
		wantKind(t, err, models.NotFound, "User not found")
		_, err = s.FindUserByEmail(ctx, "nobody@example.com")
		wantKind(t, err, models.NotFound, "User not found")
		_, err = s.FindUserByEmail(ctx, "' OR 1=1 --")
		wantKind(t, err, models.NotFound, "User not found")
	})
}

func TestSetPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "alice@acme.example", models.UserExternal)
		n := len(allEvents(t, s))
		if err := s.SetPassword(ctx, actorOf(u), u.ID, "$argon2id$new"); err != nil {
			t.Fatal(err)
		}
		got, _ := s.FindUser(ctx, u.ID)
		if got.PasswordHash != "$argon2id$new" {
			t.Errorf("PasswordHash = %q", got.PasswordHash)
		}
		events := eventsSince(t, s, n)
		if len(events) != 1 || events[0].Action != "user.password" || events[0].After != `{"password_set":true}` || events[0].Target != fmt.Sprintf("user:%d", u.ID) {
			t.Errorf("events = %+v", events)
		}
		wantKind(t, s.SetPassword(ctx, system, 9999, "x"), models.NotFound, "User not found")
	})
}

func TestRecordSignIn(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		u := mustUser(t, s, "alice@acme.example", models.UserExternal)
		clock.Advance(time.Hour)
		n := len(allEvents(t, s))
		anonymous := models.Actor{RequestID: "req-1", ClientIP: "198.51.100.7"}
		if err := s.RecordSignIn(ctx, anonymous, u.ID, "corporate"); err != nil {
			t.Fatal(err)
		}
		got, _ := s.FindUser(ctx, u.ID)
		if got.LastLoginAt == nil || !got.LastLoginAt.Equal(clock.Now()) || !got.UpdatedAt.Equal(u.UpdatedAt) {
			t.Errorf("after sign-in: LastLoginAt %v UpdatedAt %v; want %v and unchanged %v", got.LastLoginAt, got.UpdatedAt, clock.Now(), u.UpdatedAt)
		}
		events := eventsSince(t, s, n)
		if len(events) != 1 {
			t.Fatalf("events = %v", actions(events))
		}
		e := events[0]
		if e.Action != "auth.sign_in" || e.ActorID == nil || *e.ActorID != u.ID || e.ActorEmail != u.Email ||
			e.After != `{"method":"corporate"}` || e.RequestID != "req-1" || e.ClientIP != "198.51.100.7" {
			t.Errorf("sign-in event = %+v; want the user as actor", e)
		}

		wantKind(t, s.RecordSignIn(ctx, anonymous, 9999, "local"), models.NotFound, "")
		wantKind(t, s.RecordSignIn(ctx, anonymous, u.ID, " "), models.Invalid, "")
		if err := s.DeactivateUser(ctx, system, u.ID); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.RecordSignIn(ctx, anonymous, u.ID, "local"), models.Forbidden, "This account is deactivated.")
	})
}

func TestRecordSignInFailure(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		start := clock.Now()
		visitor := models.Actor{RequestID: "req-x", ClientIP: "203.0.113.9"}
		for i := 0; i < 3; i++ {
			if err := s.RecordSignInFailure(ctx, visitor, " Alice@Acme.example", "wrong password"); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Minute)
		}
		if err := s.RecordSignInFailure(ctx, visitor, "bob@acme.example", "unknown account"); err != nil {
			t.Fatal(err)
		}
		failures, err := s.LoginFailures(ctx, "ALICE@acme.example", start)
		if err != nil {
			t.Fatal(err)
		}
		want := []time.Time{start, start.Add(time.Minute), start.Add(2 * time.Minute)}
		assertEqual(t, "failures of alice", failures, want)
		ipFailures, err := s.LoginFailures(ctx, "203.0.113.9", start)
		if err != nil || len(ipFailures) != 4 {
			t.Errorf("failures of the IP = %v, %v; want 4", ipFailures, err)
		}
		events := allEvents(t, s)
		if len(events) != 4 {
			t.Fatalf("events = %v", actions(events))
		}
		e := events[0]
		if e.Action != "auth.sign_in_failed" || e.ActorID != nil || e.Target != "email:alice@acme.example" ||
			e.After != `{"reason":"wrong password"}` || e.ClientIP != "203.0.113.9" || e.RequestID != "req-x" {
			t.Errorf("failure event = %+v", e)
		}
		wantChainIntact(t, s)
	})
}

func TestSignInSSO(t *testing.T) {
	type call struct {
		provider, subject, email string
		verified                 bool
		kind                     models.UserKind
		grants                   []models.RoleAssignment
	}
	publisherOfBank := []models.RoleAssignment{{Role: models.RolePublisher, Domain: "bank"}}
	tests := []struct {
		name        string
		setup       func(t *testing.T, s *store.Store) // before the call
		call        call
		wantKind    models.Kind
		wantEmail   string
		wantNew     bool   // a new account was created
		wantLinked  string // "" or the email of the existing account the identity was linked to
		wantUKind   models.UserKind
		wantVerify  bool
		wantActions []string
		wantRoles   []models.RoleAssignment
	}{
		{
			name:        "new identity creates an account of the provider's kind",
			call:        call{"corporate", "sub-1", "Lena@Meridian.example", true, models.UserStaff, nil},
			wantEmail:   "lena@meridian.example",
			wantNew:     true,
			wantUKind:   models.UserStaff,
			wantVerify:  true,
			wantActions: []string{"user.create", "auth.link", "role.grant"},
			wantRoles:   []models.RoleAssignment{{Role: models.RoleInternal, Domain: "*"}},
		},
		{
			name:        "unverified email with a new address creates an unverified account",
			call:        call{"github", "gh-1", "dev@acme.example", false, models.UserExternal, nil},
			wantEmail:   "dev@acme.example",
			wantNew:     true,
			wantUKind:   models.UserExternal,
			wantVerify:  false,
			wantActions: []string{"user.create", "auth.link", "role.grant"},
			wantRoles:   []models.RoleAssignment{{Role: models.RoleDeveloper, Domain: "*"}},
		},
		{
			name:        "verified email links to the existing verified account",
			setup:       func(t *testing.T, s *store.Store) { mustUser(t, s, "sam@acme.example", models.UserExternal) },
			call:        call{"google", "g-1", "SAM@acme.example", true, models.UserExternal, nil},
			wantEmail:   "sam@acme.example",
			wantLinked:  "sam@acme.example",
			wantUKind:   models.UserExternal,
			wantVerify:  true,
			wantActions: []string{"auth.link", "role.grant"},
			wantRoles:   []models.RoleAssignment{{Role: models.RoleDeveloper, Domain: "*"}},
		},
		{
			name:     "unverified email never links to an existing account",
			setup:    func(t *testing.T, s *store.Store) { mustUser(t, s, "victim@meridian.example", models.UserStaff) },
			call:     call{"github", "attacker", "victim@meridian.example", false, models.UserExternal, nil},
			wantKind: models.Conflict,
		},
		{
			name:     "verified email from an external provider never links to a staff account",
			setup:    func(t *testing.T, s *store.Store) { mustUser(t, s, "admin@meridian.example", models.UserStaff) },
			call:     call{"partner-idp", "p-1", "admin@meridian.example", true, models.UserExternal, nil},
			wantKind: models.Conflict,
		},
		{
			name:     "verified email from a staff provider never links to an external account",
			setup:    func(t *testing.T, s *store.Store) { mustUser(t, s, "dev@meridian.example", models.UserExternal) },
			call:     call{"corporate", "c-1", "dev@meridian.example", true, models.UserStaff, publisherOfBank},
			wantKind: models.Conflict,
		},
		{
			name: "verified email does not take over an account whose own email is unverified",
			setup: func(t *testing.T, s *store.Store) {
				if _, err := s.SignInSSO(context.Background(), models.Actor{}, "lax-idp", "squatter", "owner@acme.example", "", false, models.UserExternal, nil); err != nil {
					t.Fatal(err)
				}
			},
			call:     call{"google", "real-owner", "owner@acme.example", true, models.UserExternal, nil},
			wantKind: models.Conflict,
		},
		{
			name: "deactivated account is refused",
			setup: func(t *testing.T, s *store.Store) {
				deactivate(t, s, mustUser(t, s, "gone@acme.example", models.UserExternal))
			},
			call:     call{"google", "g-gone", "gone@acme.example", true, models.UserExternal, nil},
			wantKind: models.Forbidden,
		},
		{
			name:     "new identity without an email is invalid",
			call:     call{"github", "gh-noemail", "", true, models.UserExternal, nil},
			wantKind: models.Invalid,
		},
		{
			name:     "empty subject is invalid",
			call:     call{"github", "  ", "x@acme.example", true, models.UserExternal, nil},
			wantKind: models.Invalid,
		},
		{
			name:     "unknown kind is invalid",
			call:     call{"github", "gh-k", "k@acme.example", true, "robot", nil},
			wantKind: models.Invalid,
		},
		{
			name:        "group claim grants subsidiary roles",
			call:        call{"corporate", "sub-pub", "pub@meridian.example", true, models.UserStaff, append(publisherOfBank, publisherOfBank[0], models.RoleAssignment{UserID: 777, Role: models.RoleInternal, Domain: "*"})},
			wantEmail:   "pub@meridian.example",
			wantNew:     true,
			wantUKind:   models.UserStaff,
			wantVerify:  true,
			wantActions: []string{"user.create", "auth.link", "role.grant", "role.grant"},
			wantRoles:   []models.RoleAssignment{{Role: models.RoleInternal, Domain: "*"}, {Role: models.RolePublisher, Domain: "bank"}},
		},
		{
			name:     "group mapped to an unknown subsidiary fails the sign-in and creates nothing",
			call:     call{"corporate", "sub-bad", "bad@meridian.example", true, models.UserStaff, []models.RoleAssignment{{Role: models.RolePublisher, Domain: "nope"}}},
			wantKind: models.NotFound,
		},
		{
			name:     "group mapped to a global role in a subsidiary fails the sign-in",
			call:     call{"corporate", "sub-bad2", "bad2@meridian.example", true, models.UserStaff, []models.RoleAssignment{{Role: models.RolePlatformAdmin, Domain: "bank"}}},
			wantKind: models.Invalid,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				mustSubsidiary(t, s, "bank", "Meridian Bank")
				if tc.setup != nil {
					tc.setup(t, s)
				}
				usersBefore, _, _ := s.ListUsers(ctx, "", 1, 200)
				n := len(allEvents(t, s))
				c := tc.call
				visitor := models.Actor{RequestID: "req-sso", ClientIP: "192.0.2.44"}
				got, err := s.SignInSSO(ctx, visitor, c.provider, c.subject, c.email, "Display Name", c.verified, c.kind, c.grants)
				usersAfter, _, _ := s.ListUsers(ctx, "", 1, 200)
				if tc.wantKind != "" {
					wantKind(t, err, tc.wantKind, "")
					if len(usersAfter) != len(usersBefore) || len(allEvents(t, s)) != n {
						t.Errorf("a refused sign-in changed users (%d → %d) or the audit trail", len(usersBefore), len(usersAfter))
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.Email != tc.wantEmail || got.Kind != tc.wantUKind || got.EmailVerified != tc.wantVerify || !got.Active() {
					t.Errorf("user = %+v; want email %s kind %s verified %v, active", got, tc.wantEmail, tc.wantUKind, tc.wantVerify)
				}
				if created := len(usersAfter) - len(usersBefore); created != map[bool]int{true: 1, false: 0}[tc.wantNew] {
					t.Errorf("%d accounts created, want new=%v", created, tc.wantNew)
				}
				if tc.wantLinked != "" {
					existing := usersBefore[slices.IndexFunc(usersBefore, func(u models.User) bool { return u.Email == tc.wantLinked })]
					if got.ID != existing.ID {
						t.Errorf("linked to user %d, want the existing %d", got.ID, existing.ID)
					}
				}
				ids, err := s.ListIdentities(ctx, got.ID)
				if err != nil || len(ids) != 1 || ids[0].Provider != c.provider || ids[0].Subject != c.subject || ids[0].Email != tc.wantEmail || ids[0].UserID != got.ID {
					t.Errorf("identities = %+v, %v", ids, err)
				}
				events := eventsSince(t, s, n)
				if !slices.Equal(actions(events), tc.wantActions) {
					t.Errorf("events = %v, want %v", actions(events), tc.wantActions)
				}
				for _, e := range events {
					if e.ActorID == nil || *e.ActorID != got.ID || e.ActorEmail != got.Email || e.RequestID != "req-sso" || e.ClientIP != "192.0.2.44" {
						t.Errorf("event %s actor = %v %q %q %q; want the signing-in user", e.Action, e.ActorID, e.ActorEmail, e.RequestID, e.ClientIP)
					}
				}
				roles, err := s.ListRoles(ctx, got.ID)
				if err != nil {
					t.Fatal(err)
				}
				for i := range tc.wantRoles {
					tc.wantRoles[i].UserID = got.ID
				}
				if len(roles) != 0 || len(tc.wantRoles) != 0 {
					assertEqual(t, "roles", roles, tc.wantRoles)
				}

				// The same identity again finds the same account and changes nothing.
				n = len(allEvents(t, s))
				again, err := s.SignInSSO(ctx, visitor, c.provider, c.subject, "changed@elsewhere.example", "Other", c.verified, c.kind, c.grants)
				if err != nil || again.ID != got.ID || again.Email != got.Email {
					t.Errorf("second sign-in = %+v, %v; want user %d unchanged", again, err, got.ID)
				}
				if events := eventsSince(t, s, n); len(events) != 0 {
					t.Errorf("second sign-in recorded %v", actions(events))
				}
				wantChainIntact(t, s)
			})
		})
	}
}

func deactivate(t testing.TB, s *store.Store, u models.User) {
	t.Helper()
	if err := s.DeactivateUser(context.Background(), system, u.ID); err != nil {
		t.Fatal(err)
	}
}

func TestSignInSSOFollowsTheGroupClaim(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		mustSubsidiary(t, s, "insurance", "Insurance")
		signIn := func(grants ...models.RoleAssignment) models.User {
			t.Helper()
			u, err := s.SignInSSO(ctx, models.Actor{}, "corporate", "sub-9", "tom@meridian.example", "Tom", true, models.UserStaff, grants)
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		adminOfBank := models.RoleAssignment{Role: models.RoleSubsidiaryAdmin, Domain: "bank"}
		publisherOfInsurance := models.RoleAssignment{Role: models.RolePublisher, Domain: "insurance"}
		u := signIn(adminOfBank, publisherOfInsurance)
		// A person grants the internal role and, again, publisher of insurance.
		mustGrant(t, s, u, models.RoleInternal, models.GlobalDomain)
		mustGrant(t, s, u, models.RolePublisher, "insurance")
		n := len(allEvents(t, s))
		v, _ := s.PolicyVersion(ctx)

		// The IdP drops both groups: only the role it alone granted goes.
		signIn()
		roles, _ := s.ListRoles(ctx, u.ID)
		want := []models.RoleAssignment{{UserID: u.ID, Role: models.RoleInternal, Domain: "*"}, {UserID: u.ID, Role: models.RolePublisher, Domain: "insurance"}}
		assertEqual(t, "roles after the group left", roles, want)
		events := eventsSince(t, s, n)
		if len(events) != 1 || events[0].Action != "role.revoke" || events[0].Subsidiary != "bank" ||
			events[0].Before != `{"domain":"bank","roles":["subsidiary_admin"]}` || events[0].After != `{"domain":"bank","roles":[]}` {
			t.Errorf("events = %+v", events)
		}
		if v2, _ := s.PolicyVersion(ctx); v2 != v+1 {
			t.Errorf("policy version %d → %d, want one bump", v, v2)
		}
	})
}

func TestListUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, e := range []string{"ana@meridian.example", "bob@acme.example", "carla@acme.example", "dan_x@acme.example", "eve%@acme.example"} {
			mustUser(t, s, e, models.UserExternal)
		}
		if _, err := s.CreateUser(ctx, system, models.User{Email: "zed@meridian.example", Name: "Ana-Lise Zed"}); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name          string
			q             string
			page, perPage int
			wantEmails    []string
			wantTotal     int
		}{
			{"empty query lists everyone by email", "", 1, 0, []string{"ana@meridian.example", "bob@acme.example", "carla@acme.example", "dan_x@acme.example", "eve%@acme.example", "zed@meridian.example"}, 6},
			{"query matches email and name, any case", "ANA", 1, 10, []string{"ana@meridian.example", "zed@meridian.example"}, 2},
			{"pages split the result", "acme", 2, 2, []string{"dan_x@acme.example", "eve%@acme.example"}, 4},
			{"page past the end is empty", "acme", 9, 2, []string{}, 4},
			{"underscore is not a wildcard", "n_x", 1, 10, []string{"dan_x@acme.example"}, 1},
			{"underscore alone matches only underscores", "_", 1, 10, []string{"dan_x@acme.example"}, 1},
			{"percent is not a wildcard", "%", 1, 10, []string{"eve%@acme.example"}, 1},
			{"SQL is text", "' OR 1=1 --", 1, 10, []string{}, 0},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				users, total, err := s.ListUsers(ctx, tc.q, tc.page, tc.perPage)
				if err != nil {
					t.Fatal(err)
				}
				emails := []string{}
				for _, u := range users {
					emails = append(emails, u.Email)
				}
				if !slices.Equal(emails, tc.wantEmails) || total != tc.wantTotal {
					t.Errorf("ListUsers(%q, %d, %d) = %v, %d; want %v, %d", tc.q, tc.page, tc.perPage, emails, total, tc.wantEmails, tc.wantTotal)
				}
			})
		}
	})
}

func TestDeactivateUserEndsTheirSessionsAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sessions := s.SessionStore()
		alice := mustUser(t, s, "alice@acme.example", models.UserExternal)
		bob := mustUser(t, s, "bob@acme.example", models.UserExternal)
		admin := mustUser(t, s, "admin@meridian.example", models.UserStaff)
		expiry := time.Now().Add(time.Hour)
		for _, tok := range []struct {
			token string
			user  models.User
		}{{"alice-laptop", alice}, {"alice-phone", alice}, {"bob-laptop", bob}} {
			if err := sessions.Commit(tok.token, []byte("data of "+tok.token), expiry); err != nil {
				t.Fatal(err)
			}
			if err := s.BindSession(ctx, tok.token, tok.user.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := sessions.Commit("anonymous", []byte("visitor"), expiry); err != nil {
			t.Fatal(err)
		}
		n := len(allEvents(t, s))
		if err := s.DeactivateUser(ctx, actorOf(admin), alice.ID); err != nil {
			t.Fatal(err)
		}
		for token, want := range map[string]bool{"alice-laptop": false, "alice-phone": false, "bob-laptop": true, "anonymous": true} {
			if _, found, err := sessions.Find(token); err != nil || found != want {
				t.Errorf("Find(%s) = %v, %v; want %v", token, found, err, want)
			}
		}
		// A request of alice's still in flight saves its session late; after
		// a reactivation that session must not be live again.
		if err := sessions.Commit("alice-laptop", []byte("late save"), expiry); err != nil {
			t.Fatal(err)
		}
		got, _ := s.FindUser(ctx, alice.ID)
		if got.Status != models.UserDeactivated || got.Active() {
			t.Errorf("status = %s", got.Status)
		}
		events := eventsSince(t, s, n)
		if len(events) != 1 || events[0].Action != "user.deactivate" || *events[0].ActorID != admin.ID ||
			events[0].Before != `{"status":"active"}` || events[0].After != `{"sessions_ended":2,"status":"deactivated"}` {
			t.Errorf("events = %+v", events)
		}
		// Deactivating again changes nothing and records nothing.
		if err := s.DeactivateUser(ctx, actorOf(admin), alice.ID); err != nil {
			t.Fatal(err)
		}
		if events := eventsSince(t, s, n+1); len(events) != 0 {
			t.Errorf("second deactivation recorded %v", actions(events))
		}
		if err := s.ReactivateUser(ctx, actorOf(admin), alice.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = s.FindUser(ctx, alice.ID)
		events = eventsSince(t, s, n+1)
		if !got.Active() || len(events) != 1 || events[0].Action != "user.reactivate" || events[0].After != `{"status":"active"}` {
			t.Errorf("after reactivation: %s, %+v", got.Status, events)
		}
		if _, found, err := sessions.Find("alice-laptop"); err != nil || found {
			t.Errorf("a session ended by the deactivation is live after reactivation (found %v, %v)", found, err)
		}
		wantKind(t, s.DeactivateUser(ctx, system, 9999), models.NotFound, "")
		wantKind(t, s.ReactivateUser(ctx, system, 9999), models.NotFound, "")
		wantChainIntact(t, s)
	})
}
