package identity

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	gormadapter "github.com/casbin/gorm-adapter/v3"
	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/portico/portico/models"
)

// rulesDB is a real SQLite file with the casbin_rule table that casbin's
// gorm adapter creates, and the adapter over it.
type rulesDB struct {
	db      *gorm.DB
	adapter *gormadapter.Adapter
}

func openRulesDB(t testing.TB) rulesDB {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "authz.db") + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	a, err := gormadapter.NewAdapterByDB(db)
	if err != nil {
		t.Fatal(err)
	}
	return rulesDB{db: db, adapter: a}
}

// exec runs SQL directly, as the store does inside its own transactions.
func (r rulesDB) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if err := r.db.Exec(sql, args...).Error; err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// assign writes the row GroupingRule prescribes, as the store does.
func (r rulesDB) assign(t testing.TB, userID int64, role models.Role, domain string) {
	t.Helper()
	if err := CheckAssignment(role, domain); err != nil {
		t.Fatalf("CheckAssignment(%s, %s): %v", role, domain, err)
	}
	v := GroupingRule(userID, role, domain)
	r.exec(t, "INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES (?, ?, ?, ?, '', '', '')", GroupingPtype, v[0], v[1], v[2])
}

func newAuthorizer(t testing.TB, a *gormadapter.Adapter) *Authorizer {
	t.Helper()
	az, err := NewAuthorizer(a)
	if err != nil {
		t.Fatal(err)
	}
	return az
}

var allActions = []models.Action{
	models.ActionViewCatalog, models.ActionViewInternalAPIs, models.ActionImportAPI,
	models.ActionManageMembers, models.ActionViewAudit, models.ActionManagePlatform, models.ActionManageTeams,
}

// The personas of the matrix. "insurance" holds an assignment too (user 7),
// so it is a known domain; "newco" is a subsidiary where nobody holds a role.
const (
	platformAdmin = int64(1)
	bankAdmin     = int64(2)
	bankPublisher = int64(3)
	staff         = int64(4)
	developer     = int64(5)
	noRole        = int64(6)
	insPublisher  = int64(7)
)

func seedPersonas(t testing.TB, r rulesDB) {
	t.Helper()
	r.assign(t, platformAdmin, models.RolePlatformAdmin, models.GlobalDomain)
	r.assign(t, bankAdmin, models.RoleSubsidiaryAdmin, "bank")
	r.assign(t, bankPublisher, models.RolePublisher, "bank")
	r.assign(t, staff, models.RoleInternal, models.GlobalDomain)
	r.assign(t, developer, models.RoleDeveloper, models.GlobalDomain)
	r.assign(t, insPublisher, models.RolePublisher, "insurance")
}

// TestAuthorizer_matrix checks every persona × action × domain against the
// expectations of a multi-tenant portal, written out in full.
func TestAuthorizer_matrix(t *testing.T) {
	r := openRulesDB(t)
	seedPersonas(t, r)
	az := newAuthorizer(t, r.adapter)

	type where struct{ bank, insurance, newco, global bool }
	all := where{true, true, true, true}
	none := where{}
	onlyBank := where{bank: true}
	tests := []struct {
		name   string
		user   int64
		action models.Action
		want   where
	}{
		{"platform admin views catalog", platformAdmin, models.ActionViewCatalog, all},
		{"platform admin views internal APIs", platformAdmin, models.ActionViewInternalAPIs, all},
		{"platform admin imports anywhere", platformAdmin, models.ActionImportAPI, all},
		{"platform admin manages members anywhere", platformAdmin, models.ActionManageMembers, all},
		{"platform admin reads every audit trail", platformAdmin, models.ActionViewAudit, all},
		{"platform admin manages the platform", platformAdmin, models.ActionManagePlatform, all},
		{"platform admin manages teams", platformAdmin, models.ActionManageTeams, all},

		{"bank admin views catalog everywhere", bankAdmin, models.ActionViewCatalog, all},
		{"bank admin views internal APIs group-wide", bankAdmin, models.ActionViewInternalAPIs, all},
		{"bank admin imports only in the bank", bankAdmin, models.ActionImportAPI, onlyBank},
		{"bank admin manages only bank members", bankAdmin, models.ActionManageMembers, onlyBank},
		{"bank admin reads only the bank audit trail", bankAdmin, models.ActionViewAudit, onlyBank},
		{"bank admin cannot manage the platform", bankAdmin, models.ActionManagePlatform, none},
		{"bank admin cannot manage teams", bankAdmin, models.ActionManageTeams, none},

		{"bank publisher views catalog everywhere", bankPublisher, models.ActionViewCatalog, all},
		{"bank publisher views internal APIs group-wide", bankPublisher, models.ActionViewInternalAPIs, all},
		{"bank publisher imports only in the bank", bankPublisher, models.ActionImportAPI, onlyBank},
		{"bank publisher cannot manage members", bankPublisher, models.ActionManageMembers, none},
		{"bank publisher cannot read audit", bankPublisher, models.ActionViewAudit, none},
		{"bank publisher cannot manage the platform", bankPublisher, models.ActionManagePlatform, none},
		{"bank publisher cannot manage teams", bankPublisher, models.ActionManageTeams, none},

		{"internal views catalog", staff, models.ActionViewCatalog, all},
		{"internal views internal APIs", staff, models.ActionViewInternalAPIs, all},
		{"internal cannot import", staff, models.ActionImportAPI, none},
		{"internal cannot manage members", staff, models.ActionManageMembers, none},
		{"internal cannot read audit", staff, models.ActionViewAudit, none},
		{"internal cannot manage the platform", staff, models.ActionManagePlatform, none},
		{"internal cannot manage consumer teams", staff, models.ActionManageTeams, none},

		{"developer views catalog", developer, models.ActionViewCatalog, all},
		{"developer cannot see internal APIs", developer, models.ActionViewInternalAPIs, none},
		{"developer cannot import", developer, models.ActionImportAPI, none},
		{"developer cannot manage members", developer, models.ActionManageMembers, none},
		{"developer cannot read audit", developer, models.ActionViewAudit, none},
		{"developer cannot manage the platform", developer, models.ActionManagePlatform, none},
		{"developer manages teams", developer, models.ActionManageTeams, all},

		{"user without role views catalog", noRole, models.ActionViewCatalog, all},
		{"user without role cannot see internal APIs", noRole, models.ActionViewInternalAPIs, none},
		{"user without role cannot import", noRole, models.ActionImportAPI, none},
		{"user without role cannot manage members", noRole, models.ActionManageMembers, none},
		{"user without role cannot read audit", noRole, models.ActionViewAudit, none},
		{"user without role cannot manage the platform", noRole, models.ActionManagePlatform, none},
		{"user without role cannot manage teams", noRole, models.ActionManageTeams, none},

		{"insurance publisher imports only in insurance", insPublisher, models.ActionImportAPI, where{insurance: true}},
		{"unknown action is refused to the platform admin", platformAdmin, models.Action("apis:delete"), none},
		{"unknown action is refused to everyone else", noRole, models.Action(""), none},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := where{
				bank:      az.Can(tc.user, tc.action, "bank"),
				insurance: az.Can(tc.user, tc.action, "insurance"),
				newco:     az.Can(tc.user, tc.action, "newco"),
				global:    az.Can(tc.user, tc.action, models.GlobalDomain),
			}
			if got != tc.want {
				t.Errorf("Can(user %d, %s) in bank/insurance/newco/* = %+v, want %+v", tc.user, tc.action, got, tc.want)
			}
		})
	}

	// The table covers every persona × action; a new action must be added.
	for _, u := range []int64{platformAdmin, bankAdmin, bankPublisher, staff, developer, noRole} {
		for _, a := range allActions {
			if !slices.ContainsFunc(tests, func(tc struct {
				name   string
				user   int64
				action models.Action
				want   where
			}) bool {
				return tc.user == u && tc.action == a
			}) {
				t.Errorf("matrix lacks user %d × %s", u, a)
			}
		}
	}
}

// TestAuthorizer_hostileDomains: request domains that look like patterns or
// tricks never reach a subsidiary role.
func TestAuthorizer_hostileDomains(t *testing.T) {
	r := openRulesDB(t)
	seedPersonas(t, r)
	az := newAuthorizer(t, r.adapter)
	for _, dom := range []string{"", "ba*", "*bank", "bank ", "BANK", "bank/x", ".*", "-", "insurance,bank"} {
		t.Run(fmt.Sprintf("%q", dom), func(t *testing.T) {
			if az.Can(bankAdmin, models.ActionManageMembers, dom) {
				t.Errorf("bank admin manages members in %q", dom)
			}
			if az.Can(bankPublisher, models.ActionImportAPI, dom) {
				t.Errorf("bank publisher imports in %q", dom)
			}
			if !az.Can(platformAdmin, models.ActionManageMembers, dom) {
				t.Errorf("platform admin refused in %q", dom)
			}
		})
	}
}

func TestAuthorizer_ReloadPicksUpRowsWrittenBySQL(t *testing.T) {
	r := openRulesDB(t)
	az := newAuthorizer(t, r.adapter)
	const alice = int64(42)

	if az.Can(alice, models.ActionImportAPI, "bank") {
		t.Fatal("alice imports before any role")
	}
	r.exec(t, "INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES ('g', 'user:42', 'publisher', 'bank', '', '', '')")
	if az.Can(alice, models.ActionImportAPI, "bank") {
		t.Fatal("a row took effect before Reload")
	}
	if err := az.Reload(); err != nil {
		t.Fatal(err)
	}
	if !az.Can(alice, models.ActionImportAPI, "bank") {
		t.Fatal("Reload did not pick up the publisher row")
	}
	if az.Can(alice, models.ActionImportAPI, "insurance") {
		t.Fatal("bank publisher imports in insurance")
	}

	// Rows with NULL in the unused columns (written without them) load too.
	r.exec(t, "INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES ('g', 'user:42', 'subsidiary_admin', 'insurance')")
	r.assign(t, alice, models.RoleInternal, models.GlobalDomain)
	if err := az.Reload(); err != nil {
		t.Fatal(err)
	}
	want := []models.RoleAssignment{
		{UserID: alice, Role: models.RoleInternal, Domain: models.GlobalDomain},
		{UserID: alice, Role: models.RolePublisher, Domain: "bank"},
		{UserID: alice, Role: models.RoleSubsidiaryAdmin, Domain: "insurance"},
	}
	if got := az.Roles(alice); !slices.Equal(got, want) {
		t.Errorf("Roles = %+v, want %+v", got, want)
	}
	if !az.Can(alice, models.ActionManageMembers, "insurance") {
		t.Error("insurance admin row not in force")
	}

	r.exec(t, "DELETE FROM casbin_rule WHERE v0 = 'user:42' AND v2 = 'bank'")
	if err := az.Reload(); err != nil {
		t.Fatal(err)
	}
	if az.Can(alice, models.ActionImportAPI, "bank") {
		t.Error("revoked publisher role still in force after Reload")
	}
	if got := az.Roles(alice); len(got) != 2 {
		t.Errorf("Roles after revoke = %+v, want 2", got)
	}
	if got := az.Roles(7); got != nil {
		t.Errorf("Roles of a user without roles = %+v, want nil", got)
	}
	if got := az.Ignored(); len(got) != 0 {
		t.Errorf("Ignored = %q, want none", got)
	}
}

// TestAuthorizer_ignoresHostileRows: rows that are not valid assignments in
// GroupingRule form grant nothing, whoever wrote them.
func TestAuthorizer_ignoresHostileRows(t *testing.T) {
	r := openRulesDB(t)
	seedPersonas(t, r)
	for _, row := range [][]string{
		{"g", "publisher", "platform_admin", "*"},     // role inheritance: every publisher an admin
		{"g", "user:9", "publisher", "*"},             // subsidiary role held "everywhere"
		{"g", "user:10", "platform_admin", "bank"},    // global role in a subsidiary
		{"g", "user:11", "subsidiary_admin", "ba*"},   // a pattern as a domain
		{"g", "user:12", "user:1", "*"},               // user inherits the platform admin
		{"g", "user:013", "platform_admin", "*"},      // non-canonical subject
		{"g", "user:-1", "platform_admin", "*"},       // not a user id
		{"g", "user:14", "owner", "*"},                // unknown role
		{"g", "user:15", "platform_admin", "*", "x"},  // extra value
		{"g", "user:16", "platform_admin"},            // no domain
		{"p", "user:17", "*", "platform:manage"},      // a policy from the database
		{"p", "developer", "global", "api:import"},    // widening a role from the database
		{"g", "user:18", "subsidiary_admin", "BANK"},  // not a slug
		{"g", "user:19", "publisher", "bank ,other"},  // not a slug
		{"g", "user:20", "subsidiary_admin", "bank "}, // not a slug
	} {
		vals := append(slices.Clone(row), "", "", "", "", "", "")[:7]
		r.exec(t, "INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES (?, ?, ?, ?, ?, ?, ?)",
			vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6])
	}
	az := newAuthorizer(t, r.adapter)

	if got := az.Ignored(); len(got) != 15 {
		t.Errorf("Ignored lists %d rows, want 15:\n%s", len(got), strings.Join(got, "\n"))
	}
	for _, tc := range []struct {
		user   int64
		action models.Action
		domain string
	}{
		{bankPublisher, models.ActionManagePlatform, "*"},
		{insPublisher, models.ActionManageMembers, "insurance"},
		{9, models.ActionImportAPI, "bank"},
		{9, models.ActionImportAPI, "*"},
		{10, models.ActionManageMembers, "bank"},
		{11, models.ActionManageMembers, "bank"},
		{11, models.ActionManageMembers, "ba*"},
		{12, models.ActionManagePlatform, "*"},
		{13, models.ActionManagePlatform, "*"},
		{14, models.ActionViewInternalAPIs, "*"},
		{15, models.ActionManagePlatform, "*"},
		{16, models.ActionManagePlatform, "*"},
		{17, models.ActionManagePlatform, "*"},
		{developer, models.ActionImportAPI, "bank"},
		{18, models.ActionManageMembers, "bank"},
		{20, models.ActionManageMembers, "bank"},
	} {
		if az.Can(tc.user, tc.action, tc.domain) {
			t.Errorf("hostile row lets user %d %s in %q", tc.user, tc.action, tc.domain)
		}
	}
	for _, u := range []int64{9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20} {
		if got := az.Roles(u); got != nil {
			t.Errorf("Roles(%d) = %+v, want none", u, got)
		}
	}
	// The valid rows next to them are in force.
	if !az.Can(bankAdmin, models.ActionManageMembers, "bank") || !az.Can(platformAdmin, models.ActionManagePlatform, "*") {
		t.Error("valid rows lost next to hostile ones")
	}
}

// TestAuthorizer_ReloadFailureKeepsState: when the rows cannot be loaded the
// last good state stays in force and the error is reported.
func TestAuthorizer_ReloadFailureKeepsState(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(t *testing.T, r rulesDB)
	}{
		{"unknown ptype", func(t *testing.T, r rulesDB) {
			r.exec(t, "INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES ('g7', 'user:1', 'x', '*', '', '', '')")
		}},
		{"row with every field empty", func(t *testing.T, r rulesDB) {
			r.exec(t, "INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5) VALUES ('', '', '', '', '', '', '')")
		}},
		{"table gone", func(t *testing.T, r rulesDB) {
			r.exec(t, "DROP TABLE casbin_rule")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := openRulesDB(t)
			seedPersonas(t, r)
			az := newAuthorizer(t, r.adapter)
			tc.corrupt(t, r)
			if err := az.Reload(); err == nil {
				t.Fatal("Reload succeeded")
			}
			if !az.Can(bankAdmin, models.ActionManageMembers, "bank") || az.Can(bankAdmin, models.ActionManageMembers, "insurance") {
				t.Error("state changed by a failed Reload")
			}
			if _, err := NewAuthorizer(r.adapter); err == nil {
				t.Error("NewAuthorizer succeeded on unloadable rows")
			}
		})
	}
}

// TestAuthorizer_concurrentReload: checks running during reloads see either
// state, never a broken one (run with -race).
func TestAuthorizer_concurrentReload(t *testing.T) {
	r := openRulesDB(t)
	seedPersonas(t, r)
	az := newAuthorizer(t, r.adapter)

	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for range 2 {
		wg.Go(func() {
			for i := range 300 {
				if !az.Can(bankAdmin, models.ActionManageMembers, "bank") {
					errs <- fmt.Sprintf("check %d: stable bank admin refused", i)
					return
				}
				if az.Can(bankAdmin, models.ActionManageMembers, "insurance") {
					errs <- fmt.Sprintf("check %d: bank admin allowed in insurance", i)
					return
				}
				_ = az.Roles(int64(100 + i%10))
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			r.assign(t, int64(100+i), models.RoleDeveloper, models.GlobalDomain)
			if err := az.Reload(); err != nil {
				errs <- err.Error()
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if !az.Can(119, models.ActionManageTeams, "*") {
		t.Error("last reload not in force")
	}
}

// TestRoleActions_matchesEnforcement: the documented table is what Can
// enforces: a holder of each role may do each listed action somewhere, and
// never an unlisted one anywhere (beyond what every user may do).
func TestRoleActions_matchesEnforcement(t *testing.T) {
	r := openRulesDB(t)
	holder := map[models.Role]int64{}
	for i, role := range models.Roles {
		id := int64(500 + i)
		holder[role] = id
		dom := models.GlobalDomain
		if role.Scoped() {
			dom = "bank"
		}
		r.assign(t, id, role, dom)
	}
	az := newAuthorizer(t, r.adapter)
	table := RoleActions()
	if len(table) != len(models.Roles) {
		t.Errorf("RoleActions has %d roles, want %d", len(table), len(models.Roles))
	}
	for _, role := range models.Roles {
		for _, a := range allActions {
			listed := slices.Contains(table[role], a)
			somewhere := az.Can(holder[role], a, "bank") || az.Can(holder[role], a, "insurance") || az.Can(holder[role], a, "*")
			if listed != somewhere {
				t.Errorf("%s × %s: listed in RoleActions = %v, allowed somewhere = %v", role, a, listed, somewhere)
			}
		}
	}
	table[models.RoleDeveloper] = append(table[models.RoleDeveloper], models.ActionManagePlatform)
	if slices.Contains(RoleActions()[models.RoleDeveloper], models.ActionManagePlatform) {
		t.Error("RoleActions returned shared state")
	}
}

func TestGroupingRule(t *testing.T) {
	tests := []struct {
		user   int64
		role   models.Role
		domain string
		want   []string
	}{
		{42, models.RolePublisher, "bank", []string{"user:42", "publisher", "bank"}},
		{1, models.RolePlatformAdmin, "*", []string{"user:1", "platform_admin", "*"}},
		{9000000000, models.RoleDeveloper, "*", []string{"user:9000000000", "developer", "*"}},
	}
	for _, tc := range tests {
		if got := GroupingRule(tc.user, tc.role, tc.domain); !slices.Equal(got, tc.want) {
			t.Errorf("GroupingRule(%d, %s, %s) = %q, want %q", tc.user, tc.role, tc.domain, got, tc.want)
		}
	}
}

func TestCheckAssignment(t *testing.T) {
	tests := []struct {
		name   string
		role   models.Role
		domain string
		ok     bool
	}{
		{"publisher of a subsidiary", models.RolePublisher, "bank", true},
		{"subsidiary admin of a dashed slug", models.RoleSubsidiaryAdmin, "life-insurance", true},
		{"platform admin globally", models.RolePlatformAdmin, "*", true},
		{"internal globally", models.RoleInternal, "*", true},
		{"developer globally", models.RoleDeveloper, "*", true},
		{"publisher everywhere is refused", models.RolePublisher, "*", false},
		{"subsidiary admin without subsidiary is refused", models.RoleSubsidiaryAdmin, "", false},
		{"subsidiary admin of a pattern is refused", models.RoleSubsidiaryAdmin, "ba*", false},
		{"platform admin of one subsidiary is refused", models.RolePlatformAdmin, "bank", false},
		{"developer of one subsidiary is refused", models.RoleDeveloper, "bank", false},
		{"unknown role is refused", models.Role("owner"), "*", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckAssignment(tc.role, tc.domain)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckAssignment(%q, %q) = %v, want ok=%v", tc.role, tc.domain, err, tc.ok)
			}
			if err != nil && models.KindOf(err) != models.Invalid {
				t.Errorf("kind = %s, want invalid", models.KindOf(err))
			}
		})
	}
}

// BenchmarkAuthorizer_Can: one check with 10,000 developers, 50 subsidiaries
// with an admin and a publisher each; and one Reload of those 10,100 rows.
func BenchmarkAuthorizer_Can(b *testing.B) {
	r := openRulesDB(b)
	seedPersonas(b, r)
	rows := make([]gormadapter.CasbinRule, 0, 10100)
	for i := range 10000 {
		v := GroupingRule(int64(1000+i), models.RoleDeveloper, models.GlobalDomain)
		rows = append(rows, gormadapter.CasbinRule{Ptype: GroupingPtype, V0: v[0], V1: v[1], V2: v[2]})
	}
	for i := range 50 {
		dom := fmt.Sprintf("sub-%d", i)
		for j, role := range []models.Role{models.RoleSubsidiaryAdmin, models.RolePublisher} {
			v := GroupingRule(int64(20000+2*i+j), role, dom)
			rows = append(rows, gormadapter.CasbinRule{Ptype: GroupingPtype, V0: v[0], V1: v[1], V2: v[2]})
		}
	}
	if err := r.db.CreateInBatches(rows, 500).Error; err != nil {
		b.Fatal(err)
	}
	az := newAuthorizer(b, r.adapter)
	for _, bc := range []struct {
		name   string
		user   int64
		action models.Action
		domain string
		want   bool
	}{
		{"admin in own subsidiary", 20000, models.ActionManageMembers, "sub-0", true},
		{"admin in other subsidiary", 20000, models.ActionManageMembers, "sub-1", false},
		{"developer manages teams", 5000, models.ActionManageTeams, "*", true},
		{"developer in subsidiary without roles", 5000, models.ActionImportAPI, "newco", false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if az.Can(bc.user, bc.action, bc.domain) != bc.want {
					b.Fatal("wrong answer")
				}
			}
		})
	}
	// Each check by a different developer: casbin's domain matching function
	// would copy all 10,000 global links for each (about 70 ms a check).
	b.Run("10000 developers in turn, subsidiary without roles", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			if az.Can(int64(1000+i%10000), models.ActionImportAPI, "newco") {
				b.Fatal("wrong answer")
			}
		}
	})
	b.Run("reload", func(b *testing.B) {
		for b.Loop() {
			if err := az.Reload(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
