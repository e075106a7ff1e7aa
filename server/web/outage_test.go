package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/lib/pq"
	"github.com/minio/minio-go/v7"

	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// outageErrors are the errors a request meets during an outage, as the
// driver and the object store client make them; the test route hands them
// to the real error middleware.
func outageErrors(t *testing.T) map[string]error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, refused := net.DialTimeout("tcp", addr, time.Second)
	if refused == nil {
		t.Skip("a closed port accepted a connection")
	}
	full := minio.ErrorResponse{Code: "XMinioStorageFull", StatusCode: 507,
		Message: "Storage backend has reached its minimum free drive threshold. Please delete a few objects to proceed."}
	return map[string]error{
		"db-shutdown":       fmt.Errorf("list ncs: %w", &pq.Error{Code: "57P01", Message: "terminating connection due to administrator command"}),
		"db-starting":       &pq.Error{Code: "57P03", Message: "the database system is starting up"},
		"db-connection":     &pq.Error{Code: "08006", Message: "connection failure"},
		"db-refused":        fmt.Errorf("dial: %w", refused),
		"db-reset":          &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)},
		"db-cut":            fmt.Errorf("commit: %w", io.ErrUnexpectedEOF),
		"db-undefined":      &pq.Error{Code: "42P01", Message: "relation does not exist"},
		"store-full":        fmt.Errorf("put object: %w", blob.Classify(context.Background(), full)),
		"store-unavailable": blob.Classify(context.Background(), minio.ErrorResponse{Code: "XMinioServerNotInitialized", StatusCode: 503}),
		"store-refused":     blob.Classify(context.Background(), fmt.Errorf("put: %w", refused)),
		"store-missing":     blob.Classify(context.Background(), minio.ErrorResponse{Code: "NoSuchKey", StatusCode: 404}),
	}
}

func outageEnv(t *testing.T) *apptest.Env {
	env := apptest.New(t)
	errs := outageErrors(t)
	h := func(c *gin.Context) { _ = c.Error(errs[c.Param("case")]) }
	env.App.Web.Engine().GET("/api/v1/test-outage/:case", h)
	env.App.Web.Engine().GET("/test-outage/:case", h)
	return env
}

func TestOutagesAnswer503And507WithTheirMessage(t *testing.T) {
	env := outageEnv(t)
	cases := []struct {
		name, lang    string
		status        int
		code, message string
		retry         bool
	}{
		{"db-shutdown", "", 503, "unavailable", "the database is unavailable; try again in a few seconds", true},
		{"db-shutdown", "vi", 503, "unavailable", "Cơ sở dữ liệu hiện không truy cập được; vui lòng thử lại sau vài giây", true},
		{"db-starting", "", 503, "unavailable", "the database is unavailable; try again in a few seconds", true},
		{"db-connection", "", 503, "unavailable", "the database is unavailable; try again in a few seconds", true},
		{"db-refused", "", 503, "unavailable", "the database is unavailable; try again in a few seconds", true},
		{"db-reset", "", 503, "unavailable", "the database is unavailable; try again in a few seconds", true},
		{"db-cut", "", 503, "unavailable", "the database is unavailable; try again in a few seconds", true},
		{"store-full", "", 507, "storage_full", "the file store is full; the file was not saved; ask the administrator to free space", false},
		{"store-full", "vi", 507, "storage_full", "Kho lưu trữ tệp đã đầy; tệp chưa được lưu; hãy đề nghị quản trị viên giải phóng dung lượng", false},
		{"store-unavailable", "", 503, "unavailable", "the file store is unavailable; try again in a few seconds", true},
		{"store-unavailable", "vi", 503, "unavailable", "Kho lưu trữ tệp hiện không truy cập được; vui lòng thử lại sau vài giây", true},
		{"store-refused", "", 503, "unavailable", "the file store is unavailable; try again in a few seconds", true},
		// Not outages: they stay internal errors, told without detail.
		{"db-undefined", "", 500, "internal", "internal error (request ", false},
		{"store-missing", "", 500, "internal", "internal error (request ", false},
	}
	for _, c := range cases {
		req, _ := http.NewRequest("GET", env.URL+"/api/v1/test-outage/"+c.name, nil)
		if c.lang != "" {
			req.Header.Set("Accept-Language", c.lang)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error struct{ Code, Message string }
		}
		err = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res.StatusCode != c.status || body.Error.Code != c.code || !strings.HasPrefix(body.Error.Message, c.message) {
			t.Errorf("%s (%s): %d %s %q; want %d %s %q", c.name, c.lang, res.StatusCode, body.Error.Code, body.Error.Message, c.status, c.code, c.message)
		}
		if got := res.Header.Get("Retry-After"); (got == "5") != c.retry {
			t.Errorf("%s: Retry-After %q (want it: %v)", c.name, got, c.retry)
		}
	}
}

// A page (not the API) shows the outage in the reader's language too.
func TestOutagePageSpeaksTheReadersLanguage(t *testing.T) {
	env := outageEnv(t)
	for _, c := range []struct{ lang, title, message string }{
		{"vi", "Tạm thời không phục vụ được", "Kho lưu trữ tệp hiện không truy cập được; vui lòng thử lại sau vài giây"},
		{"en", "Temporarily unavailable", "the file store is unavailable; try again in a few seconds"},
	} {
		req, _ := http.NewRequest("GET", env.URL+"/test-outage/store-unavailable", nil)
		req.AddCookie(&http.Cookie{Name: "qms_lang", Value: c.lang})
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		page := string(b)
		if res.StatusCode != 503 || res.Header.Get("Retry-After") != "5" || !strings.Contains(page, c.title) || !strings.Contains(page, c.message) {
			t.Errorf("%s page: %d Retry-After %q; title %q and message %q shown: %v %v", c.lang, res.StatusCode, res.Header.Get("Retry-After"),
				c.title, c.message, strings.Contains(page, c.title), strings.Contains(page, c.message))
		}
	}
	req, _ := http.NewRequest("GET", env.URL+"/test-outage/store-full", nil)
	req.AddCookie(&http.Cookie{Name: "qms_lang", Value: "vi"})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 507 || !strings.Contains(string(b), "Kho lưu trữ tệp đã đầy") {
		t.Errorf("full store page: %d", res.StatusCode)
	}
}
