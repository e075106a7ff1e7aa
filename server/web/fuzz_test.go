package web

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
)

// FuzzLocalPath: whatever a next parameter holds, the redirect it becomes
// stays on this site: a path that no browser reads as another host.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "//evil.example", "/\t/evil.example", "/\\evil", "https://x", "/ncs?x=1#a", "/%09/x", " //x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		p := localPath(next)
		if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\t\r\n\x00") {
			t.Fatalf("localPath(%q) = %q", next, p)
		}
		u, err := url.Parse(p)
		if err != nil || u.Host != "" || u.Scheme != "" {
			t.Fatalf("localPath(%q) = %q parses to host %q scheme %q (%v)", next, p, u.Host, u.Scheme, err)
		}
	})
}

// FuzzValidText: a request whose query holds anything at all is either
// refused with 400 or passed on with every value valid UTF-8 and free of NUL.
func FuzzValidText(f *testing.F) {
	for _, s := range []string{"state=open", "q=h%E1%BB%93+s%C6%A1", "state=%00", "unit=%ff", "%ff=1", "a=%c3"} {
		f.Add(s)
	}
	gin.SetMode(gin.ReleaseMode)
	f.Fuzz(func(t *testing.T, rawQuery string) {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = &http.Request{Method: "GET", URL: &url.URL{Path: "/x", RawQuery: rawQuery}, Header: http.Header{}}
		validText(c)
		if !c.IsAborted() {
			for k, vs := range c.Request.URL.Query() {
				for _, v := range append(vs, k) {
					if strings.IndexByte(v, 0) >= 0 || !utf8Valid(v) {
						t.Fatalf("passed %q with value %q", rawQuery, v)
					}
				}
			}
		} else if len(c.Errors) == 0 || qms.KindOf(c.Errors[0].Err) != qms.ErrInvalid {
			t.Fatalf("refused %q without an invalid-input error: %v", rawQuery, c.Errors)
		}
	})
}

// FuzzReadMultipart: the one multipart reader never panics on any body,
// yields only files of the named fields, and reports every fault as an
// invalid-input (or, past the bounds, too-large) error.
func FuzzReadMultipart(f *testing.F) {
	gin.SetMode(gin.ReleaseMode)
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("report", "Đã sửa")
	fw, _ := mw.CreateFormFile("file", "a.pdf")
	_, _ = fw.Write([]byte("%PDF-1.4 x"))
	_ = mw.Close()
	f.Add(b.Bytes(), mw.Boundary())
	f.Add([]byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\n\r\n--x--\r\n"), "x")
	f.Add([]byte("--x\r\n\r\n"), "x")
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		if boundary == "" || len(boundary) > 70 {
			return
		}
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		req := httptest.NewRequest("POST", "/x", bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		c.Request = req
		fields, files, err := readMultipart(c, "file")
		if err != nil {
			if k := qms.KindOf(err); k != qms.ErrInvalid && k != qms.ErrTooLarge {
				t.Fatalf("fault of kind %v: %v", qms.KindOf(err), err)
			}
			return
		}
		for k, v := range fields {
			for _, x := range v {
				if len(x) > maxFormField {
					t.Fatalf("field %q longer than the bound: %d", k, len(x))
				}
			}
		}
		err = files(func(u qms.Upload) error {
			if u.Field != "file" || u.Name == "" {
				t.Fatalf("yielded a part of field %q named %q", u.Field, u.Name)
			}
			_, err := io.Copy(io.Discard, u.Body)
			return err
		})
		if err != nil && qms.KindOf(err) != qms.ErrInvalid {
			t.Fatalf("file fault of kind %v: %v", qms.KindOf(err), err)
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// TestMultipartFieldsBounded: the text fields before the files are bounded
// in total, not only one by one; a body cut by a size limit is too large.
func TestMultipartFieldsBounded(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i < 40; i++ {
		_ = mw.WriteField("f", strings.Repeat("x", 60<<10))
	}
	_ = mw.Close()
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Request = httptest.NewRequest("POST", "/x", bytes.NewReader(b.Bytes()))
	c.Request.Header.Set("Content-Type", mw.FormDataContentType())
	if _, _, err := readMultipart(c, "file"); qms.KindOf(err) != qms.ErrTooLarge || !strings.Contains(qms.Message(err), "1 MiB") {
		t.Fatalf("40 fields of 60 KiB: %v", err)
	}
	c, _ = gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest("POST", "/x", bytes.NewReader(b.Bytes()))
	c.Request.Header.Set("Content-Type", mw.FormDataContentType())
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 100<<10)
	if _, _, err := readMultipart(c, "file"); qms.KindOf(err) != qms.ErrTooLarge {
		t.Fatalf("a body over its limit: %v", err)
	}
}
