package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// floorEnv names the environment variable that makes the harness's own
// binary the floor; its value is the file of the page to serve. Re-running
// the binary needs no build of its own.
const floorEnv = "SECUSERS_BENCH_FLOOR_PAGE"

// The floor is what serving a page costs with nothing but net/http and
// encoding/json: the first page of the dataset, held in memory as Go
// structs and encoded afresh for every GET, without a database,
// authentication, logging or middleware. Measured by the same closed loop
// on the same cores, it is the yardstick the targets are set
// against; how close the server comes to it is what the server itself
// costs.

// floorPage and floorUser are the 200 body of the security-users endpoint,
// field for field in the wire's order (internal/api's pageJSON).
type floorPage struct {
	Data     []floorUser `json:"data"`
	Metadata struct {
		PageIndex  int   `json:"pageIndex"`
		PageSize   int   `json:"pageSize"`
		TotalCount int64 `json:"totalCount"`
	} `json:"metadata"`
	NextLink string `json:"nextLink,omitempty"`
}

type floorUser struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	Mail              string `json:"mail"`
	DisplayName       string `json:"displayName"`
	FirstName         string `json:"firstName"`
	LastName          string `json:"lastName"`
	EmployeeID        string `json:"employeeId"`
	Location          string `json:"location"`
	Department        string `json:"department"`
	Mobile            string `json:"mobile"`
	JobTitle          string `json:"jobTitle"`
	Status            uint16 `json:"status"`
	IsTestUser        bool   `json:"isTestUser"`
	Age               int64  `json:"age"`
	StartDate         int64  `json:"startDate"`
	EndDate           int64  `json:"endDate"`
	OfficePhone       string `json:"officePhone"`
	Company           string `json:"company"`
	CountryRegion     string `json:"countryRegion"`
}

// decodeFloorPage decodes a body the server sent into the floor's structs
// and requires that encoding them gives that body back, byte for byte: a
// floor that served another body would be no yardstick.
func decodeFloorPage(body []byte) (*floorPage, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var page floorPage
	if err := dec.Decode(&page); err != nil {
		return nil, fmt.Errorf("the floor's page: %w (bench/floor.go must follow the API's fields)", err)
	}
	var again bytes.Buffer
	if err := encodeFloorPage(&again, &page); err != nil {
		return nil, err
	}
	if !bytes.Equal(again.Bytes(), body) {
		return nil, fmt.Errorf("the floor encodes the page in %d bytes, the server sent %d others (bench/floor.go must follow the API's encoding)", again.Len(), len(body))
	}
	return &page, nil
}

// encodeFloorPage encodes as the server does: no HTML escaping, a newline
// at the end.
func encodeFloorPage(w io.Writer, page *floorPage) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(page)
}

// floorHandler answers every GET with the page, encoded anew, and the
// headers the server sends with it.
func floorHandler(page *floorPage) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		var buf bytes.Buffer
		if err := encodeFloorPage(&buf, page); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(buf.Bytes())
	})
}

// runFloor is the floor process: it serves the page in the file at path on
// a free loopback port, prints "listening on http://ADDR" as the server
// does, and serves until ctx ends.
func runFloor(ctx context.Context, path string, stdout io.Writer) error {
	body, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	page, err := decodeFloorPage(body)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: floorHandler(page)}
	stopped := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		stopped <- srv.Shutdown(sctx)
	}()
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return <-stopped
}

// startFloor checks that the floor would serve body as it is, hands it over
// in a file in dir, and starts the floor: this binary again, with floorEnv.
func startFloor(ctx context.Context, body []byte, dir, store string) (*child, error) {
	if _, err := decodeFloorPage(body); err != nil {
		return nil, err
	}
	page := filepath.Join(dir, "floor-"+store+".json")
	if err := os.WriteFile(page, body, 0o600); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), floorEnv+"="+page)
	return startChild(ctx, "the floor", cmd, filepath.Join(dir, "floor-"+store+".log"))
}
