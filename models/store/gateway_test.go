package store_test

import (
	"context"
	"encoding/hex"
	"testing"
	"time"

	"github.com/portico/portico/gateway"
	"github.com/portico/portico/gateway/usage"
	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

// TestGatewaySnapshotFollowsThePortal checks what the gateway is told: the
// live versions with their default base paths, the subscribed applications
// and their keys, and that every change the gateway must see moves the
// revision while changes it does not care about leave it alone.
func TestGatewaySnapshotFollowsThePortal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		rev := func() int64 {
			t.Helper()
			r, err := s.GatewayRevision(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		moved := func(what string, before int64) int64 {
			t.Helper()
			after := rev()
			if after <= before {
				t.Errorf("%s did not move the gateway revision (%d → %d)", what, before, after)
			}
			return after
		}
		// Two versions of one major: the newer owns /bank/accounts/v1.
		mustImport(t, s, "bank", fixture{api: "accounts", version: "1.5.0", document: `{"v":"1.5"}`, ops: []models.OperationSummary{{Method: "get", Path: "/accounts", OperationID: "getAccounts"}, {Method: "post", Path: "/accounts/{id}/close"}}})
		mustImport(t, s, "bank", fixture{api: "accounts", version: "2.0.0", state: models.StateRetired, document: `{"v":"2"}`})
		mustImport(t, s, "bank", fixture{api: "loans", version: "0.9.0", state: models.StateDraft})

		app := mustApp(t, s, w.devA, "snap", nil)
		r0 := rev()
		if _, err := s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, app.ID, w.free.ID, publicOnly); err != nil {
			t.Fatal(err)
		}
		r1 := moved("an automatic subscription", r0)
		live, err := s.AddCredential(ctx, actorOf(w.devA), w.devA.ID, models.Credential{ApplicationID: app.ID, Prefix: "pk_live", Digest: digestOf("live"), Kind: models.CredentialAppKey})
		if err != nil {
			t.Fatal(err)
		}
		r2 := moved("a new key", r1)
		gone, err := s.AddCredential(ctx, actorOf(w.devA), w.devA.ID, models.Credential{ApplicationID: app.ID, Prefix: "pk_gone", Digest: digestOf("gone"), Kind: models.CredentialAppKey})
		if err != nil {
			t.Fatal(err)
		}
		r3 := moved("a second key", r2)
		if err := s.RevokeCredential(ctx, actorOf(w.devA), w.devA.ID, gone.ID); err != nil {
			t.Fatal(err)
		}
		r4 := moved("a revocation", r3)
		if err := s.MarkCredentialUsed(ctx, live.ID); err != nil {
			t.Fatal(err)
		}
		if got := rev(); got != r4 {
			t.Errorf("recording a key's last use moved the revision (%d → %d): it does not change what the gateway admits", r4, got)
		}
		// A pending subscription is not in the snapshot.
		other := mustApp(t, s, w.devB, "waiting", nil)
		if _, err := s.Subscribe(ctx, actorOf(w.devB), w.devB.ID, other.ID, w.manual.ID, publicOnly); err != nil {
			t.Fatal(err)
		}

		snap, err := s.CompileSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Revision != rev() {
			t.Errorf("snapshot revision %d, store revision %d", snap.Revision, rev())
		}
		routes := map[string]gateway.Route{}
		for _, r := range snap.Routes {
			routes[r.BasePath] = r
		}
		v1, ok := routes["/bank/accounts/v1"]
		if !ok || v1.Version != "1.5.0" && v1.Version != "1-5-0" && v1.Version != "1.5" {
			t.Errorf("/bank/accounts/v1 = %+v (ok %v); want version 1.5.0 (the newest of major 1)", v1, ok)
		}
		if len(v1.Operations) != 2 || v1.Operations[0].ID != "getAccounts" || v1.Operations[1].ID != "POST /accounts/{id}/close" || v1.Operations[1].Method != "POST" {
			t.Errorf("operations of v1 = %+v", v1.Operations)
		}
		if len(v1.Document) == 0 {
			t.Error("a version without upstream carries no document for the mock")
		}
		if v2, ok := routes["/bank/accounts/v2"]; !ok || v2.State != "retired" {
			t.Errorf("retired 2.0.0 = %+v (ok %v); want it routed as retired (410)", v2, ok)
		}
		if _, ok := routes["/bank/loans/v0"]; ok {
			t.Error("a draft version is routed")
		}
		var found *gateway.App
		for i := range snap.Apps {
			if snap.Apps[i].AppID == app.AppID {
				found = &snap.Apps[i]
			}
			if snap.Apps[i].AppID == other.AppID {
				t.Error("an application whose only subscription is pending is in the snapshot")
			}
		}
		if found == nil || !found.Active || len(found.Subscriptions) != 1 || found.Subscriptions[0].PlanID != w.free.ID {
			t.Fatalf("subscribed application in the snapshot = %+v", found)
		}
		var keys []string
		for _, c := range snap.Credentials {
			if c.App == app.ID {
				keys = append(keys, c.Digest)
			}
		}
		if len(keys) != 1 || keys[0] != hex.EncodeToString(digestOf("live")) {
			t.Errorf("keys of the application in the snapshot = %v; want only the live one", keys)
		}
		var plan *gateway.Plan
		for i := range snap.Plans {
			if snap.Plans[i].ID == w.free.ID {
				plan = &snap.Plans[i]
			}
		}
		if plan == nil || plan.KeyMode != "key_pair" {
			t.Errorf("plan in the snapshot = %+v", plan)
		}

		// Suspending the application and deactivating its owner both stop it.
		r5 := rev()
		if err := s.SuspendApplication(ctx, system, app.ID); err != nil {
			t.Fatal(err)
		}
		moved("suspending an application", r5)
		snap, err = s.CompileSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range snap.Apps {
			if a.AppID == app.AppID && a.Active {
				t.Error("a suspended application is active in the snapshot")
			}
		}
		r6 := rev()
		if err := s.DeactivateUser(ctx, system, w.devB.ID); err != nil {
			t.Fatal(err)
		}
		moved("deactivating a user", r6)
	})
}

// TestUsageBatchesCountOnce writes the same batch twice (a gateway that
// did not see the first answer) and two batches for one bucket.
func TestUsageBatchesCountOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		app := mustApp(t, s, w.devA, "counted", nil)
		snap, err := s.CompileSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		version := snap.Routes[0].VersionID
		minute := time.Date(2026, 11, 22, 10, 4, 0, 0, time.UTC)
		b := usage.Bucket{Key: usage.Key{App: app.ID, Version: version, Operation: "getAccounts", StatusClass: 2, Minute: minute}, Count: 7, LatencyMS: 14}
		b.Histogram[1] = 7
		bad := usage.Bucket{Key: usage.Key{App: app.ID, Version: version, Operation: "getAccounts", StatusClass: 4, Minute: minute}, Count: 2, LatencyMS: 1}
		for _, batch := range []usage.Batch{
			{ID: "gw-1", Source: "test", Buckets: []usage.Bucket{b, bad}},
			{ID: "gw-1", Source: "test", Buckets: []usage.Bucket{b, bad}}, // resent
			{ID: "gw-2", Source: "test", Buckets: []usage.Bucket{b}},
		} {
			if err := s.WriteBatch(ctx, batch); err != nil {
				t.Fatal(err)
			}
		}
		totals, err := s.ApplicationUsage(ctx, w.devA.ID, app.ID, minute.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(totals) != 1 || totals[0].Calls != 16 || totals[0].Success != 14 || totals[0].ClientErrors != 2 || totals[0].LastCall == nil || !totals[0].LastCall.Equal(minute) {
			t.Errorf("usage = %+v; want 16 calls (14 2xx, 2 4xx), last at %v", totals, minute)
		}
		if _, err := s.ApplicationUsage(ctx, w.devB.ID, app.ID, minute); models.KindOf(err) != models.NotFound {
			t.Errorf("developer B reads A's usage: %v; want NotFound", err)
		}
	})
}

func TestVersionGatewaySettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		bank := mustImport(t, s, "bank", fixture{api: "cards", version: "1.2.0", document: `{"cards":1}`})
		ins := mustImport(t, s, "insurance", fixture{api: "quotes", version: "1.0.0", document: `{"quotes":1}`})
		r0, _ := s.GatewayRevision(ctx)
		g, err := s.UpdateVersionGateway(ctx, actorOf(w.bankAdmin), []string{"bank"}, bank.Version.ID, models.VersionGateway{
			BasePath: "/cards/v1", UpstreamURL: "https://cards.internal.example/api/", ValidateRequests: true, CORSOrigins: []string{" https://app.example.com/ "}})
		if err != nil {
			t.Fatal(err)
		}
		if g.UpstreamURL != "https://cards.internal.example/api" {
			t.Errorf("upstream stored as %q, want the trailing slash trimmed", g.UpstreamURL)
		}
		if r1, _ := s.GatewayRevision(ctx); r1 <= r0 {
			t.Error("changing a version's upstream did not move the gateway revision")
		}
		snap, err := s.CompileSnapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, r := range snap.Routes {
			if r.VersionID == bank.Version.ID {
				found = r.BasePath == "/cards/v1" && r.Upstream == "https://cards.internal.example/api" && r.Validate && len(r.Document) > 0 &&
					r.CORS != nil && len(r.CORS.AllowOrigins) == 1 && r.CORS.AllowOrigins[0] == "https://app.example.com"
			}
		}
		if !found {
			t.Errorf("the snapshot does not route /cards/v1 to the upstream, validated against its document, with CORS: %+v", snap.Routes)
		}
		// Another subsidiary's admin cannot; a taken path is a conflict;
		// bad values are refused with their reason.
		_, err = s.UpdateVersionGateway(ctx, actorOf(w.insAdmin), []string{"insurance"}, bank.Version.ID, models.VersionGateway{UpstreamURL: "https://evil.example"})
		wantKind(t, err, models.NotFound, "")
		_, err = s.UpdateVersionGateway(ctx, actorOf(w.insAdmin), []string{"insurance"}, ins.Version.ID, models.VersionGateway{BasePath: "/cards/v1"})
		wantKind(t, err, models.Conflict, "")
		_, err = s.UpdateVersionGateway(ctx, actorOf(w.insAdmin), []string{"insurance"}, ins.Version.ID, models.VersionGateway{BasePath: "/quotes/../cards", UpstreamURL: "https://user:pw@quotes.example"})
		wantKind(t, err, models.Invalid, "")
		if d := models.DetailsOf(err); len(d) != 2 {
			t.Errorf("details = %q; want the base path and the upstream named", d)
		}
	})
}

func TestMarkCredentialsUsedInOneStatement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		app := mustApp(t, s, w.devA, "used", nil)
		var ids []int64
		for _, secret := range []string{"u1", "u2"} {
			c, err := s.AddCredential(ctx, actorOf(w.devA), w.devA.ID, models.Credential{ApplicationID: app.ID, Prefix: "pk", Digest: digestOf(secret), Kind: models.CredentialAppKey})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		r0, _ := s.GatewayRevision(ctx)
		at := time.Date(2026, 11, 22, 10, 4, 0, 0, time.UTC)
		if err := s.MarkCredentialsUsed(ctx, ids, at); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkCredentialsUsed(ctx, ids[:1], at.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if r1, _ := s.GatewayRevision(ctx); r1 != r0 {
			t.Errorf("recording keys' last use moved the gateway revision (%d → %d)", r0, r1)
		}
		for _, id := range ids {
			c, err := s.FindAppCredential(ctx, w.devA.ID, app.ID, id)
			if err != nil || c.LastUsedAt == nil || !c.LastUsedAt.Equal(at) {
				t.Errorf("key %d last used = %v (%v), want %v (never backwards)", id, c.LastUsedAt, err, at)
			}
		}
	})
}
