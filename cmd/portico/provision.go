package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/portico/portico/credentials"
	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
)

// runPlan implements `portico plan create`: a plan for scripts (the portal's
// plan editor and the JSON API do the same for people).
func runPlan(ctx context.Context, args []string, e env) error {
	const use = "usage: portico plan create --subsidiary SLUG --api SLUG --name NAME [--key-mode key_pair|api_key] [--audience public|partner|internal] [--approval automatic|manual] [--rate-per-second N] [--rate-per-minute N] [--rate-per-hour N] [--quota-per-day N] [--quota-per-month N]"
	if len(args) == 0 || args[0] != "create" {
		return errors.New(use)
	}
	var sub, api string
	p := models.Plan{State: models.PlanPublished, Pricing: models.Pricing{Model: models.PricingFree}}
	var keyMode, audience, approval string
	cfg, _, err := loadConfig("plan create", args[1:], e, func(c *Config, fs *flag.FlagSet) {
		c.storeFlags(fs)
		fs.StringVar(&sub, "subsidiary", "", "slug of the subsidiary that publishes the API (required)")
		fs.StringVar(&api, "api", "", "API slug (required)")
		fs.StringVar(&p.Name, "name", "", "plan name (required)")
		fs.StringVar(&p.Description, "description", "", "description (Markdown)")
		fs.StringVar(&keyMode, "key-mode", string(models.KeyModeKeyPair), "key_pair (X-App-Id + X-App-Key) or api_key (X-Api-Key)")
		fs.StringVar(&audience, "audience", string(models.AudiencePublic), "public, partner or internal")
		fs.StringVar(&approval, "approval", string(models.ApprovalAutomatic), "automatic or manual")
		fs.Int64Var(&p.RatePerSecond, "rate-per-second", 0, "requests per second per application (0: no limit)")
		fs.Int64Var(&p.RatePerMinute, "rate-per-minute", 0, "requests per minute (0: no limit)")
		fs.Int64Var(&p.RatePerHour, "rate-per-hour", 0, "requests per hour (0: no limit)")
		fs.Int64Var(&p.QuotaPerDay, "quota-per-day", 0, "requests per UTC day (0: no quota)")
		fs.Int64Var(&p.QuotaPerMonth, "quota-per-month", 0, "requests per UTC month (0: no quota)")
	})
	if err != nil {
		return err
	}
	if sub == "" || api == "" || p.Name == "" {
		return errors.New("plan create: --subsidiary, --api and --name are required")
	}
	p.KeyMode, p.Audience, p.ApprovalMode = models.KeyMode(keyMode), models.Audience(audience), models.ApprovalMode(approval)
	st, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer st.Close()
	apiID, err := st.FindAPIID(ctx, sub, api)
	if err != nil {
		return fmt.Errorf("API %s/%s: %s (see the catalog, or import it first)", sub, api, describeError(err))
	}
	p.APIID = apiID
	created, err := st.CreatePlan(ctx, cliActor(), []string{models.GlobalDomain}, p)
	if err != nil {
		return fmt.Errorf("plan create: %s", describeError(err))
	}
	fmt.Fprintf(e.stdout, "plan %q created on %s/%s (id %d)\n", created.Name, sub, api, created.ID)
	return nil
}

// runKeys implements `portico keys import`: take over API keys issued by
// another gateway, so that clients keep their keys when they move to
// Portico. The file has one key per line, a tab, and the name of the
// application that holds it (lines starting with # are comments).
func runKeys(ctx context.Context, args []string, e env) error {
	const use = "usage: portico keys import --subsidiary SLUG --api SLUG --plan NAME --owner EMAIL FILE"
	if len(args) == 0 || args[0] != "import" {
		return errors.New(use)
	}
	var sub, api, planName, ownerEmail string
	cfg, fs, err := loadConfig("keys import", args[1:], e, func(c *Config, fs *flag.FlagSet) {
		c.storeFlags(fs)
		fs.StringVar(&sub, "subsidiary", "", "slug of the subsidiary that publishes the API (required)")
		fs.StringVar(&api, "api", "", "API slug (required)")
		fs.StringVar(&planName, "plan", "", "name of the plan the applications subscribe to; its key mode must be api_key (required)")
		fs.StringVar(&ownerEmail, "owner", "", "email of the user who owns the applications (required)")
	})
	if err != nil {
		return err
	}
	if sub == "" || api == "" || planName == "" || ownerEmail == "" || fs.NArg() != 1 {
		return errors.New(use)
	}
	keys, err := readKeyFile(fs.Arg(0))
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer st.Close()
	hasher, err := keyHasher(cfg)
	if err != nil {
		return err
	}
	apiID, err := st.FindAPIID(ctx, sub, api)
	if err != nil {
		return fmt.Errorf("API %s/%s: %s (see the catalog, or import it first)", sub, api, describeError(err))
	}
	plans, err := st.ListPlans(ctx, apiID, models.Audiences)
	if err != nil {
		return err
	}
	var plan models.Plan
	for _, p := range plans {
		if p.Name == planName {
			plan = p
		}
	}
	switch {
	case plan.ID == 0:
		return fmt.Errorf("keys import: no plan %q on %s/%s", planName, sub, api)
	case plan.KeyMode != models.KeyModeAPIKey:
		return fmt.Errorf("keys import: plan %q takes key pairs (app_id + app_key); imported keys are single API keys: use a plan with key mode api_key", planName)
	}
	owner, err := st.FindUserByEmail(ctx, ownerEmail)
	if err != nil {
		return fmt.Errorf("keys import: owner %s: %s", ownerEmail, describeError(err))
	}
	in := make([]store.ImportedKey, len(keys))
	for i, k := range keys {
		d := hasher.Digest(k.secret)
		in[i] = store.ImportedKey{Application: k.app, Prefix: k.secret[:6], Digest: d[:]}
	}
	res, err := st.ImportKeys(ctx, cliActor(), owner.ID, plan.ID, in)
	if err != nil {
		return fmt.Errorf("keys import: %s; nothing was stored", describeError(err))
	}
	fmt.Fprintf(e.stdout, "imported %d keys (%d already there) for %d applications of %s (%d created, %d newly subscribed to %q)\n",
		res.KeysImported, res.KeysPresent, res.ApplicationsN, owner.Email, res.AppsCreated, res.Subscribed, res.PlanName)
	return nil
}

type fileKey struct{ secret, app string }

// readKeyFile reads KEY<TAB>APPLICATION lines. Keys are 16 to 128
// printable ASCII characters without spaces; Portico keys must be API keys.
func readKeyFile(path string) ([]fileKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keys import: %w", err)
	}
	defer f.Close()
	var out []fileKey
	var problems []error
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		secret, app, ok := strings.Cut(line, "\t")
		secret, app = strings.TrimSpace(secret), strings.TrimSpace(app)
		switch {
		case !ok || app == "":
			problems = append(problems, fmt.Errorf("line %d: want KEY<TAB>APPLICATION", n))
		case len(secret) < 16 || len(secret) > 128 || strings.ContainsFunc(secret, func(r rune) bool { return r <= ' ' || r > '~' }):
			problems = append(problems, fmt.Errorf("line %d: a key is 16 to 128 printable characters without spaces", n))
		default:
			if k, err := credentials.ParseKey(secret); err == nil && k.Kind() != credentials.APIKey {
				problems = append(problems, fmt.Errorf("line %d: a Portico app_key cannot be imported as an API key", n))
				continue
			}
			out = append(out, fileKey{secret, app})
		}
		if len(problems) >= 20 {
			break
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("keys import: read %s: %w", path, err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("keys import: %s: nothing was stored:\n%w", path, errors.Join(problems...))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("keys import: %s holds no keys", path)
	}
	return out, nil
}
