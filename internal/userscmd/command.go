// Package userscmd is the `secusers users` command: a partner's view of the
// security-users API from the shell, through the public SDK (package
// client), with the output forms a person (table) and a script (json, csv)
// want. It is the SDK's first user: what it needs, partners' programs need
// too.
package userscmd

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/client"
)

// The environment variables the command reads; flags override them.
const (
	EnvAPI          = "SECUSERS_API"
	EnvClientID     = "SECUSERS_CLIENT_ID"
	EnvClientSecret = "SECUSERS_CLIENT_SECRET"
	EnvCertFile     = "SECUSERS_CERT_FILE"
	EnvKeyFile      = "SECUSERS_KEY_FILE"
)

// The values of -o.
const (
	outputTable = "table"
	outputJSON  = "json"
	outputCSV   = "csv"
)

// command holds the streams and the flags every subcommand shares.
type command struct {
	stdout, stderr io.Writer
	getenv         func(string) string

	api, tokenURL, customer, tenant string
	clientID, clientSecret          string
	certFile, keyFile               string
	output                          string
}

// New returns the `users` command, which writes results to stdout and its
// progress bar to stderr, and reads the environment through getenv
// (os.Getenv). A secret given as "-" is read from the command's input
// (cobra's InOrStdin). Errors are returned, for the root command to print
// as one line.
func New(stdout, stderr io.Writer, getenv func(string) string) *cobra.Command {
	c := &command{stdout: stdout, stderr: stderr, getenv: getenv}
	cmd := &cobra.Command{
		Use:   "users",
		Short: "List a tenant's security users through the partner API, as a partner's app",
		Long: `List and count a tenant's security users through the partner API, as a partner's
app registration does: these commands talk HTTP to a running service (--api) with
the app's credentials, never to the database.

Credentials: --client-id with --client-secret (or "-" to read the secret from
stdin), or with --cert-file and --key-file (a certificate registered to the app,
PEM, for private_key_jwt). The environment variables ` + EnvAPI + `,
` + EnvClientID + `, ` + EnvClientSecret + `, ` + EnvCertFile + ` and
` + EnvKeyFile + ` stand in for the flags; prefer them, or "-", to a secret on the
command line, which other users of the machine can see.`,
		Args: cobra.ArbitraryArgs,
		RunE: groupRunE,
		// The root's hook checks the root's own -o values; this group
		// has -o csv as well, so it checks its own.
		PersistentPreRunE: c.checkOutput,
	}
	f := cmd.PersistentFlags()
	f.StringVar(&c.api, "api", "", "the service's base URL, e.g. https://secusers.example.com (environment "+EnvAPI+")")
	f.StringVar(&c.tokenURL, "token-url", "", `the token endpoint (default: the --api URL + "/connect/token")`)
	f.StringVar(&c.customer, "customer", "", "the customer's id (required)")
	f.StringVar(&c.tenant, "tenant", "", "the tenant's id (required)")
	f.StringVar(&c.clientID, "client-id", "", "the app's client id (environment "+EnvClientID+")")
	f.StringVar(&c.clientSecret, "client-secret", "", `a client secret of the app, or "-" to read it from stdin (environment `+EnvClientSecret+")")
	f.StringVar(&c.certFile, "cert-file", "", "a PEM certificate registered to the app, for private_key_jwt (environment "+EnvCertFile+")")
	f.StringVar(&c.keyFile, "key-file", "", "the certificate's PEM private key (environment "+EnvKeyFile+")")
	f.StringVarP(&c.output, "output", "o", outputTable, "output format: table, json or csv (csv: list only)")
	cmd.AddCommand(c.listCommand(), c.summaryCommand())
	return cmd
}

// groupRunE makes `secusers users` alone show its help, and a mistyped
// subcommand fail rather than show the help and exit 0.
func groupRunE(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	return fmt.Errorf("unknown command %q for %q (see '%s --help')", args[0], cmd.CommandPath(), cmd.CommandPath())
}

// checkOutput refuses a bad -o before any request is made.
func (c *command) checkOutput(cmd *cobra.Command, _ []string) error {
	allowed := []string{outputTable, outputJSON, outputCSV}
	if cmd.Name() == "summary" {
		allowed = allowed[:2]
	}
	for _, a := range allowed {
		if c.output == a {
			return nil
		}
	}
	return fmt.Errorf("-o must be %s or %s, got %q", strings.Join(allowed[:len(allowed)-1], ", "), allowed[len(allowed)-1], c.output)
}

// setting returns a flag's value, or the environment variable's when the
// flag was not given.
func (c *command) setting(cmd *cobra.Command, flag, value, env string) string {
	if cmd.Flags().Changed(flag) || env == "" {
		return value
	}
	return c.getenv(env)
}

// newClient makes the SDK client from the flags and the environment.
func (c *command) newClient(cmd *cobra.Command) (*client.Client, error) {
	api := c.setting(cmd, "api", c.api, EnvAPI)
	if api == "" {
		return nil, errors.New("--api is required (or " + EnvAPI + "): the service's base URL, e.g. https://secusers.example.com")
	}
	if c.customer == "" || c.tenant == "" {
		return nil, errors.New("--customer and --tenant are required")
	}
	cfg := client.Config{
		BaseURL:   api,
		TokenURL:  c.tokenURL,
		ClientID:  c.setting(cmd, "client-id", c.clientID, EnvClientID),
		UserAgent: "secusers-cli",
	}
	if cfg.ClientID == "" {
		return nil, errors.New("--client-id is required (or " + EnvClientID + ")")
	}
	secret := c.setting(cmd, "client-secret", c.clientSecret, EnvClientSecret)
	certFile := c.setting(cmd, "cert-file", c.certFile, EnvCertFile)
	keyFile := c.setting(cmd, "key-file", c.keyFile, EnvKeyFile)
	switch {
	case secret != "" && certFile != "":
		return nil, errors.New("give either a client secret or a certificate, not both")
	case secret == "-":
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
		return nil, errors.New("credentials are required: --client-secret (or " + EnvClientSecret + "), or --cert-file and --key-file")
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
