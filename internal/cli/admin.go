package cli

import "github.com/spf13/cobra"

// adminCommand groups the commands that write the store directly.
func (e *env) adminCommand() *cobra.Command {
	cmd := group("admin", "Administer partners, customers, groups, tenants, apps and signing keys",
		e.partnerCommand(), e.customerCommand(), e.groupCommand(), e.tenantCommand(), e.appCommand(), e.keysCommand(),
		e.auditCommand())
	cmd.Long = `admin writes the database directly; a running server sees the changes within
seconds. With -o json every command prints exactly one JSON object on stdout.
Every change is written to the audit trail, in the same transaction, with the
operating-system user who ran the command (see 'secusers admin audit list').`
	e.addOutputFlag(cmd)
	return cmd
}

// created is the -o json result of the create commands.
type created struct {
	ID string `json:"id"`
}
