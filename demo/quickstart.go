package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/portico/portico/credentials"
	"github.com/portico/portico/models"
)

// Quickstart application: the demo developer's application subscribed to
// the bank's Accounts API on the Sandbox plan (10 calls a second), so the
// README can show a call through the gateway in the first minute.
const (
	QuickstartAppName    = "Quickstart"
	QuickstartSubsidiary = "bank"
	QuickstartAPI        = "accounts"
	QuickstartPlan       = "Sandbox"
	QuickstartPath       = "/accounts" // a GET that answers 200 without parameters
)

// QuickstartStore is what Quickstart needs of the store.
type QuickstartStore interface {
	PlanStore
	FindUserByEmail(ctx context.Context, email string) (models.User, error)
	ListApplications(ctx context.Context, viewerID int64) ([]models.Application, error)
	CreateApplication(ctx context.Context, actor models.Actor, viewerID int64, app models.Application) (models.Application, error)
	Subscribe(ctx context.Context, actor models.Actor, viewerID, appID, planID int64, audiences []models.Audience) (models.Subscription, error)
	AddCredential(ctx context.Context, actor models.Actor, viewerID int64, c models.Credential) (models.Credential, error)
	FindCredentialByDigest(ctx context.Context, digest []byte) (models.GatewayCredential, error)
}

// QuickstartApp is the quickstart application and its key.
type QuickstartApp struct {
	AppID string
	Key   string // the secret; written only to the demo credentials file
	Plan  models.Plan
}

// Quickstart makes sure the demo developer has the Quickstart application,
// subscribed to the Sandbox plan, with a live key. previousKey is the key
// written at an earlier start: it is kept while it still works, so a
// restarted demo keeps its curl examples valid.
func Quickstart(ctx context.Context, st QuickstartStore, h *credentials.Hasher, previousKey string) (QuickstartApp, error) {
	var dev Persona
	for _, p := range Personas() {
		if p.Key == "DEVELOPER" {
			dev = p
		}
	}
	user, err := st.FindUserByEmail(ctx, dev.Email)
	if err != nil {
		return QuickstartApp{}, fmt.Errorf("quickstart: demo developer %s: %w", dev.Email, err)
	}
	plan, err := quickstartPlan(ctx, st)
	if err != nil {
		return QuickstartApp{}, err
	}
	uid := user.ID
	actor := models.Actor{UserID: &uid, Email: user.Email}
	apps, err := st.ListApplications(ctx, user.ID)
	if err != nil {
		return QuickstartApp{}, fmt.Errorf("quickstart: applications: %w", err)
	}
	var app models.Application
	for _, a := range apps {
		if a.Name == QuickstartAppName && a.OwnerUserID != nil && *a.OwnerUserID == user.ID {
			app = a
		}
	}
	if app.ID == 0 {
		app, err = st.CreateApplication(ctx, actor, user.ID, models.Application{
			OwnerUserID: &user.ID, Name: QuickstartAppName, AppID: credentials.NewAppID(),
			Description: "Made by the demo: call the Accounts API through the gateway with the key in demo-credentials.env.",
		})
		if err != nil {
			return QuickstartApp{}, fmt.Errorf("quickstart: create application: %w", err)
		}
	}
	if _, err := st.Subscribe(ctx, actor, user.ID, app.ID, plan.ID, []models.Audience{models.AudiencePublic}); err != nil && models.KindOf(err) != models.Conflict {
		return QuickstartApp{}, fmt.Errorf("quickstart: subscribe to %s: %w", plan.Name, err)
	}
	if previousKey != "" {
		if _, perr := credentials.ParseKey(previousKey); perr == nil {
			d := h.Digest(previousKey)
			if gc, err := st.FindCredentialByDigest(ctx, d[:]); err == nil && gc.Application.ID == app.ID && gc.Credential.RevokedAt == nil {
				return QuickstartApp{AppID: app.AppID, Key: previousKey, Plan: plan}, nil
			}
		}
	}
	secret, err := credentials.NewKey(credentials.AppKey)
	if err != nil {
		return QuickstartApp{}, err
	}
	k, err := credentials.ParseKey(secret)
	if err != nil {
		return QuickstartApp{}, fmt.Errorf("quickstart: a fresh key does not parse: %w", err)
	}
	d := h.Digest(secret)
	if _, err := st.AddCredential(ctx, actor, user.ID, models.Credential{
		ApplicationID: app.ID, Name: "demo", Prefix: k.Prefix(), Digest: d[:], Kind: models.CredentialAppKey,
	}); err != nil {
		return QuickstartApp{}, fmt.Errorf("quickstart: create key: %w", err)
	}
	return QuickstartApp{AppID: app.AppID, Key: secret, Plan: plan}, nil
}

func quickstartPlan(ctx context.Context, st PlanStore) (models.Plan, error) {
	list, err := st.ListSubsidiaryAPIs(ctx, QuickstartSubsidiary)
	if err != nil {
		return models.Plan{}, fmt.Errorf("quickstart: APIs of %s: %w", QuickstartSubsidiary, err)
	}
	for _, a := range list {
		if a.Slug != QuickstartAPI {
			continue
		}
		plans, err := st.ListPlans(ctx, a.ID, models.Audiences)
		if err != nil {
			return models.Plan{}, fmt.Errorf("quickstart: plans: %w", err)
		}
		for _, p := range plans {
			if strings.EqualFold(p.Name, QuickstartPlan) {
				return p, nil
			}
		}
	}
	return models.Plan{}, fmt.Errorf("quickstart: no %s plan on %s/%s", QuickstartPlan, QuickstartSubsidiary, QuickstartAPI)
}
