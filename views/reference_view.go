package views

import "github.com/portico/portico/models"

// ReferenceView is what the API reference page shows: the product, the
// version being read and its render model.
type ReferenceView struct {
	Product models.APIProduct
	Version models.APIVersion
	Ref     *models.Reference
}
