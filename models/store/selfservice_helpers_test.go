package store_test

import (
	"context"
	"crypto/sha256"
	"strconv"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
)

// selfService is a small world for the self-service tests: two
// subsidiaries with one API each, developers A and B, A's teammate, a staff
// member and one admin per subsidiary.
type selfService struct {
	bankAPI, insAPI            models.API
	devA, devB, mate, staff    models.User
	bankAdmin, insAdmin        models.User
	team                       models.Team
	free, manual, internalPlan models.Plan
}

func newSelfService(t *testing.T, s *store.Store) selfService {
	t.Helper()
	ctx := context.Background()
	mustSubsidiary(t, s, "bank", "Bank")
	mustSubsidiary(t, s, "insurance", "Insurance")
	w := selfService{
		bankAPI:   mustImport(t, s, "bank", fixture{api: "accounts"}).API,
		insAPI:    mustImport(t, s, "insurance", fixture{api: "claims"}).API,
		devA:      mustUser(t, s, "a@dev.example", models.UserExternal),
		devB:      mustUser(t, s, "b@dev.example", models.UserExternal),
		mate:      mustUser(t, s, "mate@dev.example", models.UserExternal),
		staff:     mustUser(t, s, "staff@group.example", models.UserStaff),
		bankAdmin: mustUser(t, s, "admin@bank.example", models.UserStaff),
		insAdmin:  mustUser(t, s, "admin@insurance.example", models.UserStaff),
	}
	mustGrant(t, s, w.bankAdmin, models.RoleSubsidiaryAdmin, "bank")
	mustGrant(t, s, w.insAdmin, models.RoleSubsidiaryAdmin, "insurance")
	var err error
	if w.team, err = s.CreateTeam(ctx, actorOf(w.devA), w.devA.ID, "Acme"); err != nil {
		t.Fatal(err)
	}
	_, token, err := s.CreateInvitation(ctx, actorOf(w.devA), models.Invitation{Email: w.mate.Email, TeamID: &w.team.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptInvitationToken(ctx, actorOf(w.mate), w.mate, token); err != nil {
		t.Fatal(err)
	}
	w.free = mustPlan(t, s, w.bankAdmin, "bank", plan(w.bankAPI.ID, "Free", models.AudiencePublic, models.ApprovalAutomatic))
	w.manual = mustPlan(t, s, w.bankAdmin, "bank", plan(w.bankAPI.ID, "Gold", models.AudiencePublic, models.ApprovalManual))
	w.internalPlan = mustPlan(t, s, w.bankAdmin, "bank", plan(w.bankAPI.ID, "Internal", models.AudienceInternal, models.ApprovalManual))
	return w
}

// plan is a free plan of an API.
func plan(apiID int64, name string, audience models.Audience, mode models.ApprovalMode) models.Plan {
	return models.Plan{
		APIID: apiID, Name: name, Audience: audience, ApprovalMode: mode, KeyMode: models.KeyModeKeyPair,
		Pricing: models.Pricing{Model: models.PricingFree}, State: models.PlanPublished,
	}
}

func mustPlan(t testing.TB, s *store.Store, by models.User, subsidiary string, p models.Plan) models.Plan {
	t.Helper()
	p, err := s.CreatePlan(context.Background(), actorOf(by), []string{subsidiary}, p)
	if err != nil {
		t.Fatalf("CreatePlan(%s): %v", p.Name, err)
	}
	return p
}

// mustApp creates an application owned by the user, or by the team when
// team is not nil.
func mustApp(t testing.TB, s *store.Store, by models.User, name string, team *models.Team) models.Application {
	t.Helper()
	app := models.Application{Name: name, AppID: "app_" + name}
	if team != nil {
		app.OwnerTeamID = &team.ID
	} else {
		app.OwnerUserID = &by.ID
	}
	app, err := s.CreateApplication(context.Background(), actorOf(by), by.ID, app)
	if err != nil {
		t.Fatalf("CreateApplication(%s): %v", name, err)
	}
	return app
}

// digestOf stands in for credentials.Hasher.
func digestOf(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

var (
	publicOnly   = []models.Audience{models.AudiencePublic}
	allAudiences = models.Audiences
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
