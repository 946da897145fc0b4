package sqlite

import (
	"context"
	"database/sql"
	"errors"

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
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := partnerExists(ctx, tx, g.PartnerID); err != nil {
			return err
		}
		if err := customersOfPartner(ctx, tx, g.PartnerID, g.CustomerIDs); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO customer_groups (id, partner_id, name, created_at) VALUES (?, ?, ?, ?)`,
			g.ID, g.PartnerID, g.Name, g.CreatedAt.UnixMilli())
		if err != nil {
			return translate(err, "group "+g.ID)
		}
		for i, id := range g.CustomerIDs {
			_, err := tx.ExecContext(ctx,
				`INSERT INTO group_members (group_id, customer_id, position) VALUES (?, ?, ?)`, g.ID, id, i)
			if err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, secusers.AuditGroupCreate, g.ID, secusers.GroupCreateDetail(g))
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
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := partnerExists(ctx, tx, partnerID); err != nil {
			return err
		}
		var err error
		out, err = groupsOf(ctx, tx, partnerID)
		if err != nil {
			return err
		}
		return addMembers(ctx, tx, partnerID, out)
	})
	return out, err
}

func groupsOf(ctx context.Context, tx *sql.Tx, partnerID string) ([]secusers.CustomerGroup, error) {
	rows, err := tx.QueryContext(ctx,
		`SELECT id, partner_id, name, created_at FROM customer_groups
		 WHERE partner_id = ? ORDER BY created_at, id`, partnerID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row scanner) (secusers.CustomerGroup, error) {
		var g secusers.CustomerGroup
		var created int64
		err := row.Scan(&g.ID, &g.PartnerID, &g.Name, &created)
		g.CreatedAt = secusers.FromMillis(created)
		return g, err
	})
}

// addMembers fills in the members of the partner's groups with one query.
func addMembers(ctx context.Context, tx *sql.Tx, partnerID string, groups []secusers.CustomerGroup) error {
	index := make(map[string]int, len(groups))
	for i, g := range groups {
		index[g.ID] = i
	}
	rows, err := tx.QueryContext(ctx,
		`SELECT m.group_id, m.customer_id FROM group_members m
		 JOIN customer_groups g ON g.id = m.group_id
		 WHERE g.partner_id = ? ORDER BY m.group_id, m.position`, partnerID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var groupID, customerID string
		if err := rows.Scan(&groupID, &customerID); err != nil {
			return err
		}
		g := &groups[index[groupID]]
		g.CustomerIDs = append(g.CustomerIDs, customerID)
	}
	return rows.Err()
}

// GroupIDsOfCustomer lists the ids of the groups the customer is a member
// of, in id order. An unknown customer is NotFound.
func (s *Store) GroupIDsOfCustomer(ctx context.Context, customerID string) ([]string, error) {
	var out []string
	err := s.read(ctx, func(tx *sql.Tx) error {
		if _, err := partnerOfCustomer(ctx, tx, customerID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx,
			`SELECT group_id FROM group_members WHERE customer_id = ? ORDER BY group_id`, customerID)
		if err != nil {
			return err
		}
		out, err = collect(rows, func(row scanner) (string, error) {
			var id string
			return id, row.Scan(&id)
		})
		return err
	})
	return out, err
}

// partnerOfGroup returns the id of the group's partner, or NotFound.
func partnerOfGroup(ctx context.Context, tx *sql.Tx, groupID string) (string, error) {
	var partnerID string
	err := tx.QueryRowContext(ctx, `SELECT partner_id FROM customer_groups WHERE id = ?`, groupID).Scan(&partnerID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", secusers.Missing("group", groupID)
	}
	return partnerID, err
}

// groupsOfPartner returns NotFound naming the first id that is not one of
// the partner's groups; another partner's group counts as missing.
func groupsOfPartner(ctx context.Context, tx *sql.Tx, partnerID string, ids []string) error {
	for _, id := range ids {
		owner, err := partnerOfGroup(ctx, tx, id)
		if secusers.IsKind(err, secusers.NotFound) || err == nil && owner != partnerID {
			return secusers.NotPartners("group", id, partnerID)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
