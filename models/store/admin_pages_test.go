package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func TestAdminPagesSubscriptionRowsCarryDisplayDataAndStayInTheirSubsidiary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		insPlan := mustPlan(t, s, w.insAdmin, "insurance", plan(w.insAPI.ID, "Claims Gold", models.AudiencePublic, models.ApprovalManual))
		personal := mustApp(t, s, w.devA, "personal", nil)
		teamApp := mustApp(t, s, w.devA, "shared", &w.team)
		first, err := s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, personal.ID, w.manual.ID, publicOnly)
		if err != nil {
			t.Fatal(err)
		}
		second, err := s.Subscribe(ctx, actorOf(w.mate), w.mate.ID, teamApp.ID, w.manual.ID, publicOnly)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, personal.ID, insPlan.ID, publicOnly); err != nil {
			t.Fatal(err)
		}

		queue, err := s.ListSubsidiarySubscriptions(ctx, "bank", models.SubscriptionPending)
		if err != nil {
			t.Fatal(err)
		}
		if len(queue) != 2 || queue[0].ID != first.ID || queue[1].ID != second.ID {
			t.Fatalf("bank queue = %+v, want subscriptions %d then %d", queue, first.ID, second.ID)
		}
		got := queue[0]
		want := models.SubscriptionRow{
			Subscription:    got.Subscription,
			ApplicationName: "personal", AppID: "app_personal", OwnerEmail: w.devA.Email,
			RequesterEmail: w.devA.Email, APIName: w.bankAPI.Name, APISlug: "accounts",
			PlanName: "Gold", PlanAudience: models.AudiencePublic,
		}
		if got != want {
			t.Errorf("first row = %+v\nwant %+v", got, want)
		}
		if got.State != models.SubscriptionPending || got.PlanID != w.manual.ID {
			t.Errorf("first row subscription = %+v", got.Subscription)
		}
		if r := queue[1]; r.TeamName != "Acme" || r.OwnerEmail != "" || r.RequesterEmail != w.mate.Email {
			t.Errorf("team row = team %q owner %q requester %q, want Acme, \"\", %s", r.TeamName, r.OwnerEmail, r.RequesterEmail, w.mate.Email)
		}

		if _, err := s.DecideSubscription(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, []string{"bank"}, first.ID, false, "No production use yet."); err != nil {
			t.Fatal(err)
		}
		rejected, err := s.ListSubsidiarySubscriptions(ctx, "bank", models.SubscriptionRejected)
		if err != nil {
			t.Fatal(err)
		}
		if len(rejected) != 1 || rejected[0].DeciderEmail != w.bankAdmin.Email || rejected[0].DecisionComment != "No production use yet." {
			t.Errorf("rejected = %+v, want the first subscription decided by %s with its comment", rejected, w.bankAdmin.Email)
		}
		all, err := s.ListSubsidiarySubscriptions(ctx, "bank", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 {
			t.Errorf("all bank subscriptions = %d rows, want 2 (the insurance one stays out)", len(all))
		}
		ins, err := s.ListSubsidiarySubscriptions(ctx, "insurance", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(ins) != 1 || ins[0].PlanName != "Claims Gold" {
			t.Errorf("insurance subscriptions = %+v, want the one to Claims Gold", ins)
		}
		none, err := s.ListSubsidiarySubscriptions(ctx, "no-such", "")
		if err != nil || len(none) != 0 {
			t.Errorf("unknown subsidiary = %v, %v; want no rows", none, err)
		}

		counts, err := s.CountPendingSubscriptions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) != 2 || counts["bank"] != 1 || counts["insurance"] != 1 {
			t.Errorf("pending counts = %v, want bank 1, insurance 1", counts)
		}
	})
}

func TestAdminPagesPlanEditorAPIIsScopedAndListsOperations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		mustSubsidiary(t, s, "insurance", "Insurance")
		ops := []models.OperationSummary{
			{Method: "GET", Path: "/accounts", OperationID: "listAccounts"},
			{Method: "POST", Path: "/accounts", OperationID: "createAccount"},
			{Method: "GET", Path: "/health"},
		}
		old := mustImport(t, s, "bank", fixture{api: "accounts", version: "1.0.0", state: models.StateDeprecated,
			ops: []models.OperationSummary{{Method: "GET", Path: "/old", OperationID: "oldOnly"}}})
		cur := mustImport(t, s, "bank", fixture{api: "accounts", version: "2.0.0", ops: ops, document: "v2"})
		mustImport(t, s, "bank", fixture{api: "onboarding", name: "Onboarding", audience: models.AudienceInternal, state: models.StateDraft})
		claims := mustImport(t, s, "insurance", fixture{api: "claims"})
		if old.API.ID != cur.API.ID {
			t.Fatal("the two versions made two APIs")
		}

		got, err := s.FindPlanEditorAPI(ctx, "bank", cur.API.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.API.Slug != "accounts" || !slices.Equal(got.OperationIDs, []string{"createAccount", "listAccounts"}) {
			t.Errorf("editor API = %s %v, want accounts [createAccount listAccounts]", got.API.Slug, got.OperationIDs)
		}
		_, err = s.FindPlanEditorAPI(ctx, "bank", claims.API.ID)
		wantKind(t, err, models.NotFound, "")

		apis, err := s.ListSubsidiaryAPIs(ctx, "bank")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range apis {
			names = append(names, a.Slug)
		}
		if !slices.Equal(names, []string{"accounts", "onboarding"}) {
			t.Errorf("bank APIs = %v, want accounts and the unlisted internal onboarding", names)
		}
		_, err = s.ListSubsidiaryAPIs(ctx, "no-such")
		wantKind(t, err, models.NotFound, "")
	})
}
