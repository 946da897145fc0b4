package cli

// The users command is a partner's view of the security-users API from the
// shell: it talks HTTP to a running service through the public SDK
// (package client), never to the database, with the output forms a person
// (table) and a script (json, csv) want. It is the SDK's first user: what
// it needs, partners' programs need too. So the users*.go files import no
// package of this module but client (TestUsersCommandUsesOnlyTheSDK), and
// share with the other commands only the CLI's own parts: the group runner,
// the -o check, printable and the result line on stderr.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/client"
)

// The environment variables the users command reads; flags override them.
const (
	envAPI          = "SECUSERS_API"
	envClientID     = "SECUSERS_CLIENT_ID"
	envClientSecret = "SECUSERS_CLIENT_SECRET"
	envCertFile     = "SECUSERS_CERT_FILE"
	envKeyFile      = "SECUSERS_KEY_FILE"
)

// usersFlags are the flags every users subcommand shares.
type usersFlags struct {
	api, tokenURL, customer, tenant string
	clientID, clientSecret          string
	certFile, keyFile               string
}

func (e *env) usersCommand() *cobra.Command {
	f := &usersFlags{}
	cmd := group("users", "Read security users, their history and changes through the partner API, as a partner's app",
		e.usersListCommand(f), e.usersSummaryCommand(f), e.usersHistoryCommand(f), e.usersChangesCommand(f))
	cmd.Long = `List and count a tenant's security users, show its history day by day, and list
the statuses added to and removed from users (of one tenant, or across tenants)
through the partner API, as a partner's app registration does: these commands
talk HTTP to a running service (--api) with the app's credentials, never to the
database.

Credentials: --client-id with --client-secret (or "-" to read the secret from
stdin), or with --cert-file and --key-file (a certificate registered to the app,
PEM, for private_key_jwt). The environment variables ` + envAPI + `,
` + envClientID + `, ` + envClientSecret + `, ` + envCertFile + ` and
` + envKeyFile + ` stand in for the flags; prefer them, or "-", to a secret on the
command line, which other users of the machine can see.`
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.api, "api", "", "the service's base URL, e.g. https://secusers.example.com (environment "+envAPI+")")
	pf.StringVar(&f.tokenURL, "token-url", "", `the token endpoint (default: the --api URL + "/connect/token")`)
	pf.StringVar(&f.customer, "customer", "", "the customer's id (required; with changes --all-tenants, optional, CID[,CID…] to narrow)")
	pf.StringVar(&f.tenant, "tenant", "", "the tenant's id (required, but for changes --all-tenants)")
	pf.StringVar(&f.clientID, "client-id", "", "the app's client id (environment "+envClientID+")")
	pf.StringVar(&f.clientSecret, "client-secret", "", `a client secret of the app, or "-" to read it from stdin (environment `+envClientSecret+")")
	pf.StringVar(&f.certFile, "cert-file", "", "a PEM certificate registered to the app, for private_key_jwt (environment "+envCertFile+")")
	pf.StringVar(&f.keyFile, "key-file", "", "the certificate's PEM private key (environment "+envKeyFile+")")
	e.addOutputFlagUsage(cmd, "output format: table, json or csv (csv: list, history and changes)")
	return acceptOutputs(cmd, outputTable, outputJSON, outputCSV)
}

// setting returns a flag's value, or the environment variable's when the
// flag was not given.
func (e *env) setting(cmd *cobra.Command, flag, value, variable string) string {
	if cmd.Flags().Changed(flag) || variable == "" {
		return value
	}
	return e.getenv(variable)
}

// newClient makes the SDK client from the flags and the environment, for
// a command that reads one tenant (--customer and --tenant required).
func (e *env) newClient(cmd *cobra.Command, f *usersFlags) (*client.Client, error) {
	return e.clientFor(cmd, f, true)
}

// clientFor makes the SDK client from the flags and the environment;
// needTenant requires --customer and --tenant. A secret given as "-" is
// read from the command's input.
func (e *env) clientFor(cmd *cobra.Command, f *usersFlags, needTenant bool) (*client.Client, error) {
	api := e.setting(cmd, "api", f.api, envAPI)
	if api == "" {
		return nil, errors.New("--api is required (or " + envAPI + "): the service's base URL, e.g. https://secusers.example.com")
	}
	if needTenant && (f.customer == "" || f.tenant == "") {
		return nil, errors.New("--customer and --tenant are required")
	}
	cfg := client.Config{
		BaseURL:   api,
		TokenURL:  f.tokenURL,
		ClientID:  e.setting(cmd, "client-id", f.clientID, envClientID),
		UserAgent: "secusers-cli",
	}
	if cfg.ClientID == "" {
		return nil, errors.New("--client-id is required (or " + envClientID + ")")
	}
	secret := e.setting(cmd, "client-secret", f.clientSecret, envClientSecret)
	certFile := e.setting(cmd, "cert-file", f.certFile, envCertFile)
	keyFile := e.setting(cmd, "key-file", f.keyFile, envKeyFile)
	switch {
	case secret != "" && certFile != "":
		return nil, errors.New("give either a client secret or a certificate, not both")
	case secret == stdio:
		s, err := readSecret(cmd.InOrStdin())
		if err != nil {
			return nil, err
		}
		cfg.ClientSecret = s
	case secret != "":
		cfg.ClientSecret = secret
	case certFile != "":
		if keyFile == "" {
			keyFile = certFile // one PEM file with both
		}
		cert, key, err := client.LoadCertificate(certFile, keyFile)
		if err != nil {
			return nil, err
		}
		cfg.Certificate, cfg.PrivateKey = cert, key
	default:
		return nil, errors.New("credentials are required: --client-secret (or " + envClientSecret + "), or --cert-file and --key-file")
	}
	return client.New(cfg)
}

// readSecret reads the secret from the first line of r.
func readSecret(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("reading the client secret from stdin: %w", err)
	}
	secret := strings.TrimRight(line, "\r\n")
	if secret == "" {
		return "", errors.New("--client-secret -: stdin holds no secret")
	}
	return secret, nil
}
