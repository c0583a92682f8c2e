package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/portico/portico/handlers/apidoc"
	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi"
)

// Portico lists its own JSON API in its catalog, so developers find the
// self-service API (applications, keys, subscriptions) where they find every
// other API. It belongs to none of the group's companies: it is published by
// the group's developer platform, a subsidiary of its own.
const (
	platformSlug = "platform"
	porticoAPI   = "portico"
)

// platformSubsidiary is the publisher of Portico's own API in the demo.
var platformSubsidiary = models.Subsidiary{
	Slug: platformSlug,
	Name: "Group Developer Platform",
	Description: `The group's developer platform runs this portal and the API gateway for every
company of the group.

Its **Portico API** does by program what the portal does in the browser: create
applications, issue and rotate keys, subscribe to plans and, for admins, manage plans
and decide on subscriptions.`,
}

// importStore is what listing Portico's own API needs from persistence.
type importStore interface {
	EnsureSubsidiary(ctx context.Context, sub models.Subsidiary) (models.Subsidiary, error)
	ImportVersion(ctx context.Context, subsidiary string, imp models.VersionImport) (models.ImportResult, error)
}

// listPorticoAPI imports Portico's own OpenAPI document (handlers/apidoc)
// into the catalog as the public API platform/portico, published. It is
// idempotent: the same document again changes nothing. A different document
// under a version already stored is not an error for serve: it is logged
// (bump info.version when the document changes) and the stored one stays.
func listPorticoAPI(ctx context.Context, st importStore, lim openapi.Limits, log *slog.Logger) (models.ImportResult, error) {
	if _, err := st.EnsureSubsidiary(ctx, platformSubsidiary); err != nil {
		return models.ImportResult{}, fmt.Errorf("list Portico's API: %w", err)
	}
	imp, err := openapi.PrepareImport(ctx, openapi.SingleFile("portico-openapi.yaml", apidoc.YAML), openapi.ImportOptions{
		APISlug: porticoAPI, State: models.StatePublished, Audience: models.AudiencePublic, Limits: lim,
	})
	if err != nil {
		return models.ImportResult{}, fmt.Errorf("list Portico's API: %w", err)
	}
	res, err := st.ImportVersion(ctx, platformSlug, imp)
	if models.KindOf(err) == models.Conflict {
		log.Warn("Portico's own API document changed without a new info.version; the catalog keeps the stored one",
			"api", platformSlug+"/"+porticoAPI)
		return res, nil
	}
	if err != nil {
		return models.ImportResult{}, fmt.Errorf("list Portico's API: %w", err)
	}
	return res, nil
}
