package store

import (
	"context"
	"sort"

	"github.com/portico/portico/models"
)

// ListGatewayRoutes returns the versions of a subsidiary's APIs with how
// the gateway serves them: the effective base path (its own or the
// default), the upstream, and whether the gateway routes them at all
// (published, deprecated and retired versions that own their path).
func (s *Store) ListGatewayRoutes(ctx context.Context, subsidiary string) ([]models.GatewayRoute, error) {
	var rows []struct {
		ID               int64
		Subsidiary       string
		API              string
		APIName          string
		Slug             string
		Version          string
		State            string
		BasePath         string
		UpstreamURL      string
		ValidateRequests bool
		CORSOrigins      string
	}
	err := s.read(ctx).Raw(`SELECT v.id, s.slug AS subsidiary, a.slug AS api, a.name AS api_name, v.slug, v.version, v.state,
			v.base_path, v.upstream_url, v.validate_requests, v.cors_origins
		FROM api_versions v JOIN apis a ON a.id = v.api_id JOIN subsidiaries s ON s.id = a.subsidiary_id
		WHERE s.slug = ?`, subsidiary).Scan(&rows).Error
	if err != nil {
		return nil, translate("list gateway routes", "Subsidiary", err)
	}
	snap, err := s.CompileSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	routed := map[int64]bool{}
	for _, r := range snap.Routes {
		routed[r.VersionID] = true
	}
	out := make([]models.GatewayRoute, 0, len(rows))
	for _, r := range rows {
		path := r.BasePath
		if path == "" {
			path = "/" + r.Subsidiary + "/" + r.API + "/v" + majorOf(r.Version, r.Slug)
		}
		out = append(out, models.GatewayRoute{
			VersionID: r.ID, APIName: r.APIName, APISlug: r.API, Version: r.Version, VersionSlug: r.Slug,
			State: models.State(r.State), Settings: models.VersionGateway{BasePath: r.BasePath, UpstreamURL: r.UpstreamURL, ValidateRequests: r.ValidateRequests, CORSOrigins: parseOrigins(r.CORSOrigins)},
			EffectivePath: path, Routed: routed[r.ID],
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].APIName != out[j].APIName {
			return out[i].APIName < out[j].APIName
		}
		return models.CompareVersions(out[i].Version, out[j].Version) > 0
	})
	return out, nil
}
