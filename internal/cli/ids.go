package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// parseID returns the canonical (lower-case) form of a GUID given in flag.
func parseID(flag, value string) (string, error) {
	id, ok := secusers.ParseGUID(strings.TrimSpace(value))
	if !ok {
		return "", secusers.Errorf(secusers.Invalid, "--%s must be a GUID (8-4-4-4-12 hexadecimal digits), got %q", flag, value)
	}
	return id, nil
}

// parseIDs parses a comma list of GUIDs given in flag, dropping repeats.
func parseIDs(flag string, values []string) ([]string, error) {
	if len(values) == 0 {
		return nil, secusers.Errorf(secusers.Invalid, "--%s needs at least one id", flag)
	}
	ids := make([]string, 0, len(values))
	for _, v := range values {
		id, err := parseID(flag, v)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// newOrGivenID returns the canonical form of a --id value, or a fresh GUID
// when the flag was not given.
func newOrGivenID(value string) (string, error) {
	if value == "" {
		return uuid.NewString(), nil
	}
	return parseID("id", value)
}

// notFound says that no record of a kind has the id.
func notFound(what, id string) error {
	return secusers.Errorf(secusers.NotFound, "no %s with id %s", what, id)
}

// lookupMissing reports whether a lookup found nothing, and passes on real errors.
// The commands check an id before they write, so that they can name what
// is missing or taken; the store's own checks still guard against races.
func lookupMissing(err error) (bool, error) {
	switch {
	case err == nil:
		return false, nil
	case secusers.IsKind(err, secusers.NotFound):
		return true, nil
	}
	return false, err
}

// checkFree fails with Conflict when lookup finds a record with a --id.
func checkFree(what, id string, lookup func() error) error {
	free, err := lookupMissing(lookup())
	if err != nil {
		return err
	}
	if !free {
		return secusers.Errorf(secusers.Conflict, "a %s with id %s exists already", what, id)
	}
	return nil
}

func requirePartner(ctx context.Context, st secusers.Store, id string) error {
	_, err := st.Partner(ctx, id)
	if missing, err := lookupMissing(err); missing {
		return notFound("partner", id)
	} else if err != nil {
		return err
	}
	return nil
}

func requireCustomer(ctx context.Context, st secusers.Store, id string) (secusers.Customer, error) {
	c, err := st.Customer(ctx, id)
	if missing, err := lookupMissing(err); missing {
		return c, notFound("customer", id)
	} else if err != nil {
		return c, err
	}
	return c, nil
}

// requirePartnersCustomers checks that every id is a customer of the partner.
func requirePartnersCustomers(ctx context.Context, st secusers.Store, partnerID string, ids []string) error {
	for _, id := range ids {
		c, err := requireCustomer(ctx, st, id)
		if err != nil {
			return err
		}
		if c.PartnerID != partnerID {
			return secusers.Errorf(secusers.NotFound, "customer %s is not a customer of partner %s", id, partnerID)
		}
	}
	return nil
}

func requireTenant(ctx context.Context, st secusers.Store, id string) error {
	_, err := st.Tenant(ctx, id)
	if missing, err := lookupMissing(err); missing {
		return notFound("tenant", id)
	} else if err != nil {
		return err
	}
	return nil
}

func requireApp(ctx context.Context, st secusers.Store, clientID string) (secusers.App, error) {
	a, err := st.App(ctx, clientID)
	if missing, err := lookupMissing(err); missing {
		return a, secusers.Errorf(secusers.NotFound, "no app with client id %s", clientID)
	} else if err != nil {
		return a, fmt.Errorf("looking up app %s: %w", clientID, err)
	}
	return a, nil
}
