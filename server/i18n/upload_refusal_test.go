package i18n_test

import (
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/i18n"
)

// The refusal of a file type reads wholly in the reader's language: the list
// of accepted types is part of the message, so "plain text" is not left in
// English on a Vietnamese page.
func TestUploadRefusalInReadersLanguage(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	_, err = blob.Detect([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"))
	if err == nil {
		t.Fatal("an executable was accepted")
	}
	vi, en := cat.Err("vi", err), cat.Err("en", err)
	if !strings.Contains(vi, "văn bản thuần") || strings.Contains(vi, "plain text") || !strings.HasPrefix(vi, "Loại tệp này không được chấp nhận") {
		t.Fatalf("Vietnamese %q", vi)
	}
	if !strings.Contains(en, "accepted types: PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, plain text") {
		t.Fatalf("English %q", en)
	}
}
