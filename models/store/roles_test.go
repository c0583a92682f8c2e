package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/portico/portico/identity"
	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func TestGrantRole(t *testing.T) {
	tests := []struct {
		name     string
		user     string // "alice", or "nobody" for an unknown user
		role     models.Role
		domain   string
		wantKind models.Kind // "" = granted
	}{
		{"publisher of an existing subsidiary", "alice", models.RolePublisher, "bank", ""},
		{"subsidiary admin of an existing subsidiary", "alice", models.RoleSubsidiaryAdmin, "insurance", ""},
		{"global role in the global domain", "alice", models.RoleInternal, models.GlobalDomain, ""},
		{"domain is trimmed", "alice", models.RolePlatformAdmin, " * ", ""},
		{"scoped role in an unknown subsidiary is not found", "alice", models.RolePublisher, "securities", models.NotFound},
		{"scoped role in the global domain is invalid", "alice", models.RoleSubsidiaryAdmin, models.GlobalDomain, models.Invalid},
		{"scoped role without a domain is invalid", "alice", models.RolePublisher, "", models.Invalid},
		{"global role in a subsidiary is invalid", "alice", models.RolePlatformAdmin, "bank", models.Invalid},
		{"unknown role is invalid", "alice", models.Role("root"), models.GlobalDomain, models.Invalid},
		{"role with SQL is invalid", "alice", models.Role("publisher' OR '1'='1"), "bank", models.Invalid},
		{"unknown user is not found", "nobody", models.RolePublisher, "bank", models.NotFound},
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		mustSubsidiary(t, s, "insurance", "Insurance")
		alice := mustUser(t, s, "alice@meridian.example", models.UserStaff)
		admin := mustUser(t, s, "admin@meridian.example", models.UserStaff)
		var held []models.RoleAssignment
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				id := alice.ID
				if tc.user == "nobody" {
					id = 9999
				}
				v, _ := s.PolicyVersion(ctx)
				n := len(allEvents(t, s))
				err := s.GrantRole(ctx, actorOf(admin), id, tc.role, tc.domain)
				v2, _ := s.PolicyVersion(ctx)
				events := eventsSince(t, s, n)
				roles, _ := s.ListRoles(ctx, alice.ID)
				if tc.wantKind != "" {
					wantKind(t, err, tc.wantKind, "")
					if v2 != v || len(events) != 0 || len(roles) != len(held) {
						t.Errorf("a refused grant changed something: version %d → %d, events %v, roles %v", v, v2, actions(events), roles)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				domain := strings.TrimSpace(tc.domain)
				wantBefore := rolesJSON(domain, held)
				held = append(held, models.RoleAssignment{UserID: alice.ID, Role: tc.role, Domain: domain})
				wantAfter := rolesJSON(domain, held)
				if !slices.Contains(roles, models.RoleAssignment{UserID: alice.ID, Role: tc.role, Domain: domain}) || len(roles) != len(held) {
					t.Errorf("ListRoles = %v, want %v", roles, held)
				}
				if v2 != v+1 {
					t.Errorf("policy version %d → %d, want one bump", v, v2)
				}
				wantSubsidiary := domain
				if domain == models.GlobalDomain {
					wantSubsidiary = ""
				}
				if len(events) != 1 || events[0].Action != "role.grant" || events[0].Subsidiary != wantSubsidiary ||
					events[0].Target != fmt.Sprintf("user:%d", alice.ID) || *events[0].ActorID != admin.ID ||
					events[0].Before != wantBefore || events[0].After != wantAfter {
					t.Errorf("events = %+v", events)
				}
				wantCasbinRule(t, s, alice.ID, tc.role, domain, true)

				// Granting it again is a no-op: no event, no version bump.
				if err := s.GrantRole(ctx, actorOf(admin), alice.ID, tc.role, tc.domain); err != nil {
					t.Fatal(err)
				}
				if v3, _ := s.PolicyVersion(ctx); v3 != v2 || len(eventsSince(t, s, n)) != 1 {
					t.Errorf("repeated grant bumped the version (%d → %d) or was audited", v2, v3)
				}
			})
		}
		// Before/after list every role held in the domain, in display order.
		n := len(allEvents(t, s))
		mustGrant(t, s, alice, models.RoleSubsidiaryAdmin, "bank")
		if e := eventsSince(t, s, n)[0]; e.Before != `{"domain":"bank","roles":["publisher"]}` || e.After != `{"domain":"bank","roles":["subsidiary_admin","publisher"]}` {
			t.Errorf("second role in bank: before %s after %s", e.Before, e.After)
		}
		roles, _ := s.ListRoles(ctx, alice.ID)
		want := []models.RoleAssignment{
			{UserID: alice.ID, Role: models.RolePlatformAdmin, Domain: "*"},
			{UserID: alice.ID, Role: models.RoleInternal, Domain: "*"},
			{UserID: alice.ID, Role: models.RoleSubsidiaryAdmin, Domain: "bank"},
			{UserID: alice.ID, Role: models.RolePublisher, Domain: "bank"},
			{UserID: alice.ID, Role: models.RoleSubsidiaryAdmin, Domain: "insurance"},
		}
		assertEqual(t, "ListRoles order", roles, want)
		wantChainIntact(t, s)
	})
}

// rolesJSON is how an audit event lists the roles held in domain, in
// display order.
func rolesJSON(domain string, held []models.RoleAssignment) string {
	roles := []string{}
	for _, r := range models.Roles {
		if slices.ContainsFunc(held, func(a models.RoleAssignment) bool { return a.Role == r && a.Domain == domain }) {
			roles = append(roles, fmt.Sprintf("%q", r))
		}
	}
	return fmt.Sprintf(`{"domain":%q,"roles":[%s]}`, domain, strings.Join(roles, ","))
}

// wantCasbinRule checks whether casbin_rule holds the assignment's row in
// identity.GroupingRule's encoding.
func wantCasbinRule(t testing.TB, s *store.Store, userID int64, role models.Role, domain string, want bool) {
	t.Helper()
	v := append(identity.GroupingRule(userID, role, domain), "", "", "", "", "", "")[:6]
	got, err := s.QueryStringsForTest(context.Background(),
		"SELECT id FROM casbin_rule WHERE ptype = 'g' AND v0 = ? AND v1 = ? AND v2 = ? AND v3 = ? AND v4 = ? AND v5 = ?",
		v[0], v[1], v[2], v[3], v[4], v[5])
	if err != nil {
		t.Fatal(err)
	}
	if (len(got) == 1) != want || len(got) > 1 {
		t.Errorf("casbin_rule rows for %v: %d, want present=%v", v, len(got), want)
	}
}

func TestRevokeRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		alice := mustUser(t, s, "alice@meridian.example", models.UserStaff)
		admin := mustUser(t, s, "admin@meridian.example", models.UserStaff)
		mustGrant(t, s, alice, models.RolePublisher, "bank")
		mustGrant(t, s, alice, models.RoleSubsidiaryAdmin, "bank")
		v, _ := s.PolicyVersion(ctx)
		n := len(allEvents(t, s))
		if err := s.RevokeRole(ctx, actorOf(admin), alice.ID, models.RoleSubsidiaryAdmin, "bank"); err != nil {
			t.Fatal(err)
		}
		roles, _ := s.ListRoles(ctx, alice.ID)
		assertEqual(t, "roles", roles, []models.RoleAssignment{{UserID: alice.ID, Role: models.RolePublisher, Domain: "bank"}})
		wantCasbinRule(t, s, alice.ID, models.RoleSubsidiaryAdmin, "bank", false)
		wantCasbinRule(t, s, alice.ID, models.RolePublisher, "bank", true)
		if v2, _ := s.PolicyVersion(ctx); v2 != v+1 {
			t.Errorf("policy version %d → %d", v, v2)
		}
		events := eventsSince(t, s, n)
		if len(events) != 1 || events[0].Action != "role.revoke" || events[0].Subsidiary != "bank" || *events[0].ActorID != admin.ID ||
			events[0].Before != `{"domain":"bank","roles":["subsidiary_admin","publisher"]}` || events[0].After != `{"domain":"bank","roles":["publisher"]}` {
			t.Errorf("events = %+v", events)
		}
		for _, tc := range []struct {
			name   string
			userID int64
			role   models.Role
			domain string
		}{
			{"role no longer held", alice.ID, models.RoleSubsidiaryAdmin, "bank"},
			{"role held elsewhere", alice.ID, models.RolePublisher, "insurance"},
			{"unknown user", 9999, models.RolePublisher, "bank"},
		} {
			err := s.RevokeRole(ctx, actorOf(admin), tc.userID, tc.role, tc.domain)
			if models.KindOf(err) != models.NotFound {
				t.Errorf("%s: RevokeRole = %v, want NotFound", tc.name, err)
			}
		}
		if v3, _ := s.PolicyVersion(ctx); v3 != v+1 || len(eventsSince(t, s, n)) != 1 {
			t.Errorf("refused revocations changed the version or the trail")
		}
	})
}

func TestListMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		mustSubsidiary(t, s, "insurance", "Insurance")
		tom := mustUser(t, s, "tom@meridian.example", models.UserStaff)
		lena := mustUser(t, s, "lena@meridian.example", models.UserStaff)
		ana := mustUser(t, s, "ana@meridian.example", models.UserStaff)
		priya := mustUser(t, s, "priya@meridian.example", models.UserStaff)
		mustGrant(t, s, tom, models.RolePublisher, "bank")
		mustGrant(t, s, tom, models.RoleSubsidiaryAdmin, "bank")
		mustGrant(t, s, tom, models.RoleInternal, models.GlobalDomain)
		mustGrant(t, s, lena, models.RolePublisher, "bank")
		mustGrant(t, s, ana, models.RoleSubsidiaryAdmin, "insurance")
		mustGrant(t, s, priya, models.RolePlatformAdmin, models.GlobalDomain)
		deactivate(t, s, lena)
		lena, _ = s.FindUser(ctx, lena.ID)

		members, err := s.ListMembers(ctx, "bank")
		if err != nil {
			t.Fatal(err)
		}
		want := []models.Member{
			{User: lena, Roles: []models.Role{models.RolePublisher}},
			{User: tom, Roles: []models.Role{models.RoleSubsidiaryAdmin, models.RolePublisher}},
		}
		assertEqual(t, "members of bank", members, want)
		insurance, err := s.ListMembers(ctx, "insurance")
		if err != nil || len(insurance) != 1 || insurance[0].User.ID != ana.ID {
			t.Errorf("members of insurance = %+v, %v", insurance, err)
		}
		_, err = s.ListMembers(ctx, "securities")
		wantKind(t, err, models.NotFound, "")
	})
}

// rbacWithDomains is a casbin model of the shape the authorizer uses:
// grouping by (user, role, domain), global roles in domain "*".
const rbacWithDomains = `
[request_definition]
r = sub, dom, act

[policy_definition]
p = sub, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = (g(r.sub, p.sub, r.dom) || g(r.sub, p.sub, "*")) && r.act == p.act
`

func TestCasbinAdapterLoadsTheRolesTheStoreGrants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		mustSubsidiary(t, s, "insurance", "Insurance")
		lena := mustUser(t, s, "lena@meridian.example", models.UserStaff)
		priya := mustUser(t, s, "priya@meridian.example", models.UserStaff)
		mustGrant(t, s, lena, models.RolePublisher, "bank")
		mustGrant(t, s, priya, models.RolePlatformAdmin, models.GlobalDomain)

		adapter, err := s.CasbinAdapter()
		if err != nil {
			t.Fatal(err)
		}
		m, err := model.NewModelFromString(rbacWithDomains)
		if err != nil {
			t.Fatal(err)
		}
		e, err := casbin.NewEnforcer(m, adapter)
		if err != nil {
			t.Fatal(err)
		}
		subject := func(u models.User) string { return identity.GroupingRule(u.ID, models.RoleDeveloper, "*")[0] }
		roleToken := func(r models.Role) string { return identity.GroupingRule(0, r, "*")[1] }
		// The role → action rules live in code: added in memory, never saved.
		for _, p := range [][]string{{roleToken(models.RolePublisher), string(models.ActionImportAPI)}, {roleToken(models.RolePlatformAdmin), string(models.ActionImportAPI)}} {
			if _, err := e.AddPolicy(p[0], p[1]); err != nil {
				t.Fatalf("AddPolicy in memory: %v", err)
			}
		}
		check := func(when string, u models.User, dom string, want bool) {
			t.Helper()
			ok, err := e.Enforce(subject(u), dom, string(models.ActionImportAPI))
			if err != nil || ok != want {
				t.Errorf("%s: %s may import in %s = %v, %v; want %v", when, u.Email, dom, ok, err, want)
			}
		}
		check("loaded", lena, "bank", true)
		check("loaded", lena, "insurance", false)
		check("loaded", priya, "insurance", true)

		// A revocation reaches the enforcer at its next load, and the policy
		// version says when to load.
		v, _ := s.PolicyVersion(ctx)
		if err := s.RevokeRole(ctx, system, lena.ID, models.RolePublisher, "bank"); err != nil {
			t.Fatal(err)
		}
		if v2, _ := s.PolicyVersion(ctx); v2 == v {
			t.Error("policy version did not move")
		}
		if err := e.LoadPolicy(); err != nil {
			t.Fatal(err)
		}
		for _, p := range [][]string{{roleToken(models.RolePublisher), string(models.ActionImportAPI)}} {
			e.AddPolicy(p[0], p[1])
		}
		check("after revocation", lena, "bank", false)

		// Writes through the adapter never reach the database: grants are
		// audited store calls only.
		rule := identity.GroupingRule(lena.ID, models.RoleSubsidiaryAdmin, "insurance")
		if _, err := e.AddGroupingPolicy(toAny(rule)...); err != nil {
			t.Fatalf("AddGroupingPolicy in memory: %v", err)
		}
		if err := e.SavePolicy(); err == nil {
			t.Error("SavePolicy through the adapter succeeded")
		}
		roles, _ := s.ListRoles(ctx, lena.ID)
		wantCasbinRule(t, s, lena.ID, models.RoleSubsidiaryAdmin, "insurance", false)
		if len(roles) != 0 {
			t.Errorf("roles after writes through the adapter = %v", roles)
		}
	})
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// TestCasbinRuleTableMatchesGormAdapter compares casbin_rule as the
// migrations make it with the table gorm-adapter v3.39.0 creates itself,
// so the adapter (opened with TurnOffAutoMigrate) finds what it expects.
func TestCasbinRuleTableMatchesGormAdapter(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			migrated := storetest.OpenDialect(t, dialect, nil)
			var dsn string
			if dialect == store.DialectPostgres {
				dsn = storetest.PostgresDSN(t)
			} else {
				dsn = filepath.Join(t.TempDir(), "adapter.db")
			}
			bare, err := store.Open(ctx, store.Config{DSN: dsn})
			if err != nil {
				t.Fatal(err)
			}
			defer bare.Close()
			if err := bare.CreateCasbinTableForTest(ctx); err != nil {
				t.Fatal(err)
			}
			want, err := bare.CasbinSchemaForTest(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got, err := migrated.CasbinSchemaForTest(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("casbin_rule from the migrations:\n  %s\ngorm-adapter's own:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
			if len(want) < 9 {
				t.Errorf("schema description too short to mean anything: %v", want)
			}
		})
	}
}

// TestIdentityAuthorizerReadsTheStoreRoles runs the real authorizer on the
// store's adapter: the rows GrantRole writes are the ones it understands.
func TestIdentityAuthorizerReadsTheStoreRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		mustSubsidiary(t, s, "insurance", "Insurance")
		lena := mustUser(t, s, "lena@meridian.example", models.UserStaff)
		priya := mustUser(t, s, "priya@meridian.example", models.UserStaff)
		mustGrant(t, s, lena, models.RolePublisher, "bank")
		mustGrant(t, s, lena, models.RoleInternal, models.GlobalDomain)
		mustGrant(t, s, priya, models.RolePlatformAdmin, models.GlobalDomain)
		adapter, err := s.CasbinAdapter()
		if err != nil {
			t.Fatal(err)
		}
		az, err := identity.NewAuthorizer(adapter)
		if err != nil {
			t.Fatal(err)
		}
		if ignored := az.Ignored(); len(ignored) != 0 {
			t.Errorf("the authorizer ignored rows the store wrote: %v", ignored)
		}
		for _, u := range []models.User{lena, priya} {
			roles, _ := s.ListRoles(ctx, u.ID)
			assertEqual(t, "roles of "+u.Email, az.Roles(u.ID), roles)
		}
		for _, tc := range []struct {
			user   models.User
			domain string
			want   bool
		}{
			{lena, "bank", true},
			{lena, "insurance", false},
			{priya, "insurance", true},
		} {
			if got := az.Can(tc.user.ID, models.ActionImportAPI, tc.domain); got != tc.want {
				t.Errorf("%s may import in %s = %v, want %v", tc.user.Email, tc.domain, got, tc.want)
			}
		}
		v, _ := s.PolicyVersion(ctx)
		if err := s.RevokeRole(ctx, system, lena.ID, models.RolePublisher, "bank"); err != nil {
			t.Fatal(err)
		}
		if v2, _ := s.PolicyVersion(ctx); v2 <= v {
			t.Fatalf("policy version %d → %d after a revocation", v, v2)
		}
		if err := az.Reload(); err != nil {
			t.Fatal(err)
		}
		if az.Can(lena.ID, models.ActionImportAPI, "bank") {
			t.Error("revoked publisher may still import after reload")
		}
	})
}

func TestSetSubsidiaryRoleSwapsRolesInOneTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		mustSubsidiary(t, s, "insurance", "Insurance")
		admin := mustUser(t, s, "admin@meridian.example", models.UserStaff)
		lena := mustUser(t, s, "lena@meridian.example", models.UserStaff)
		if err := s.GrantRole(ctx, actorOf(admin), lena.ID, models.RolePublisher, "bank"); err != nil {
			t.Fatal(err)
		}
		if err := s.GrantRole(ctx, actorOf(admin), lena.ID, models.RolePublisher, "insurance"); err != nil {
			t.Fatal(err)
		}
		n := len(allEvents(t, s))
		if err := s.SetSubsidiaryRole(ctx, actorOf(admin), lena.ID, models.RoleSubsidiaryAdmin, "bank"); err != nil {
			t.Fatal(err)
		}
		roles, _ := s.ListRoles(ctx, lena.ID)
		assertEqual(t, "roles", roles, []models.RoleAssignment{
			{UserID: lena.ID, Role: models.RoleSubsidiaryAdmin, Domain: "bank"},
			{UserID: lena.ID, Role: models.RolePublisher, Domain: "insurance"}, // other subsidiaries untouched
		})
		if got, want := actions(eventsSince(t, s, n)), []string{"role.grant", "role.revoke"}; !slices.Equal(got, want) {
			t.Errorf("events = %v, want %v", got, want)
		}

		// Refusals change nothing and write no event.
		n = len(allEvents(t, s))
		stranger := mustUser(t, s, "stranger@meridian.example", models.UserStaff)
		n++ // creating the stranger is audited
		for _, tc := range []struct {
			name   string
			userID int64
			role   models.Role
			sub    string
			kind   models.Kind
		}{
			{"not a member of the subsidiary", stranger.ID, models.RolePublisher, "bank", models.NotFound},
			{"a global role", lena.ID, models.RolePlatformAdmin, "bank", models.Invalid},
			{"an unknown subsidiary", lena.ID, models.RolePublisher, "nowhere", models.NotFound},
		} {
			err := s.SetSubsidiaryRole(ctx, actorOf(admin), tc.userID, tc.role, tc.sub)
			if models.KindOf(err) != tc.kind {
				t.Errorf("%s: err = %v, want %s", tc.name, err, tc.kind)
			}
		}
		if ev := eventsSince(t, s, n); len(ev) != 0 {
			t.Errorf("refused changes were audited: %v", actions(ev))
		}
		after, _ := s.ListRoles(ctx, lena.ID)
		assertEqual(t, "roles after refusals", after, roles)
	})
}

// A person granting a role the IdP granted takes it out of the IdP's hands
// (the group claim no longer revokes it): that is a change of who controls
// the role, and the audit trail must show it.
func TestGrantRole_TakingOverAnIdPRoleIsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustSubsidiary(t, s, "insurance", "Insurance")
		admin := mustUser(t, s, "admin@meridian.example", models.UserStaff)
		u, err := s.SignInSSO(ctx, models.Actor{}, "corporate", "sub-9", "tom@meridian.example", "Tom", true, models.UserStaff,
			[]models.RoleAssignment{{Role: models.RolePublisher, Domain: "insurance"}})
		if err != nil {
			t.Fatal(err)
		}
		n := len(allEvents(t, s))
		if err := s.GrantRole(ctx, actorOf(admin), u.ID, models.RolePublisher, "insurance"); err != nil {
			t.Fatal(err)
		}
		events := eventsSince(t, s, n)
		if len(events) != 1 || events[0].Action != "role.grant" || events[0].Subsidiary != "insurance" || *events[0].ActorID != admin.ID ||
			events[0].Before != `{"domain":"insurance","roles":["publisher"],"source":"corporate"}` ||
			events[0].After != `{"domain":"insurance","roles":["publisher"]}` {
			t.Errorf("events = %+v", events)
		}
		// Granting it again changes nothing and records nothing.
		n = len(allEvents(t, s))
		if err := s.GrantRole(ctx, actorOf(admin), u.ID, models.RolePublisher, "insurance"); err != nil {
			t.Fatal(err)
		}
		if events := eventsSince(t, s, n); len(events) != 0 {
			t.Errorf("second grant recorded %v", actions(events))
		}
		wantChainIntact(t, s)
	})
}
