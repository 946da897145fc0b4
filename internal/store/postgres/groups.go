package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
)

// CreateGroup stores a new customer group. Every member must be one of the
// group's partner's customers; otherwise the error names the first that is
// not, and nothing is written.
func (s *Store) CreateGroup(ctx context.Context, g secusers.CustomerGroup) (secusers.CustomerGroup, error) {
	g, err := g.Prepared(s.now())
	if err != nil {
		return secusers.CustomerGroup{}, err
	}
	err = s.write(ctx, func(tx pgx.Tx) error {
		if err := partnerExists(ctx, tx, g.PartnerID); err != nil {
			return err
		}
		if err := customersOfPartner(ctx, tx, g.PartnerID, g.CustomerIDs); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO customer_groups (id, partner_id, name, created_at) VALUES ($1, $2, $3, $4)`,
			g.ID, g.PartnerID, g.Name, g.CreatedAt.UnixMilli())
		if err != nil {
			return translate(err, "group "+g.ID)
		}
		// One statement for every member; ordinality keeps their order.
		_, err = tx.Exec(ctx, `INSERT INTO group_members (group_id, customer_id, position)
			SELECT $1, m.customer_id, m.n - 1 FROM unnest($2::text[]) WITH ORDINALITY AS m (customer_id, n)`,
			g.ID, g.CustomerIDs)
		if err != nil {
			return err
		}
		return audit(ctx, tx, g.CreatedAt, secusers.AuditGroupCreate, g.ID, secusers.GroupCreateDetail(g))
	})
	if err != nil {
		return secusers.CustomerGroup{}, err
	}
	return g, nil
}

// Groups lists the partner's groups, oldest first, each with its members in
// the order they were given. An unknown partner is NotFound.
func (s *Store) Groups(ctx context.Context, partnerID string) ([]secusers.CustomerGroup, error) {
	var out []secusers.CustomerGroup
	err := s.read(ctx, func(tx pgx.Tx) error {
		if err := partnerExists(ctx, tx, partnerID); err != nil {
			return err
		}
		var err error
		if out, err = groupsOf(ctx, tx, partnerID); err != nil {
			return err
		}
		return addMembers(ctx, tx, partnerID, out)
	})
	return out, err
}

func groupsOf(ctx context.Context, tx pgx.Tx, partnerID string) ([]secusers.CustomerGroup, error) {
	rows, err := tx.Query(ctx, `SELECT id, partner_id, name, created_at FROM customer_groups
		WHERE partner_id = $1 ORDER BY created_at, id`, partnerID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row pgx.Row) (secusers.CustomerGroup, error) {
		var g secusers.CustomerGroup
		var created int64
		err := row.Scan(&g.ID, &g.PartnerID, &g.Name, &created)
		g.CreatedAt = secusers.FromMillis(created)
		return g, err
	})
}

// addMembers fills in the members of the partner's groups with one query.
func addMembers(ctx context.Context, tx pgx.Tx, partnerID string, groups []secusers.CustomerGroup) error {
	index := make(map[string]int, len(groups))
	for i, g := range groups {
		index[g.ID] = i
	}
	rows, err := tx.Query(ctx, `SELECT m.group_id, m.customer_id FROM group_members m
		JOIN customer_groups g ON g.id = m.group_id
		WHERE g.partner_id = $1 ORDER BY m.group_id, m.position`, partnerID)
	if err != nil {
		return err
	}
	var groupID, customerID string
	_, err = pgx.ForEachRow(rows, []any{&groupID, &customerID}, func() error {
		g := &groups[index[groupID]]
		g.CustomerIDs = append(g.CustomerIDs, customerID)
		return nil
	})
	return err
}

// GroupIDsOfCustomer lists the ids of the groups the customer is a member
// of, in id order. An unknown customer is NotFound. It is one statement (the
// API calls it per request for group-scoped apps): the customer's row, joined
// to its memberships, if any.
func (s *Store) GroupIDsOfCustomer(ctx context.Context, customerID string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT m.group_id FROM customers c
		LEFT JOIN group_members m ON m.customer_id = c.id
		WHERE c.id = $1 ORDER BY m.group_id`, customerID)
	if err != nil {
		return nil, translate(err, "")
	}
	ids, err := collect(rows, func(row pgx.Row) (*string, error) {
		var id *string
		return id, row.Scan(&id)
	})
	if err != nil {
		return nil, translate(err, "")
	}
	if len(ids) == 0 {
		return nil, secusers.Missing("customer", customerID)
	}
	var out []string
	for _, id := range ids {
		if id != nil { // the customer's own row, when it is in no group
			out = append(out, *id)
		}
	}
	return out, nil
}

// groupsOfPartner returns NotFound naming the first id that is not one of
// the partner's groups; another partner's group counts as missing.
func groupsOfPartner(ctx context.Context, q querier, partnerID string, ids []string) error {
	return ownedBy(ctx, q, `SELECT id FROM customer_groups WHERE partner_id = $1 AND id = ANY($2)`, partnerID, ids, "group")
}
