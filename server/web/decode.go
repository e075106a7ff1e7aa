package web

import (
	"encoding"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
)

// decode reads a request body into the struct v, whatever the client sent:
// JSON (the API), an URL-encoded form (the pages) or a multipart form (the
// pages and the API with files). A field's name is its json tag, the same
// in all three. In a form, a field of type qms.FileSource receives the file
// parts whose names its `form` tag lists (default "file"), streamed after
// the text fields; forms put their files last. Wrong values are reported
// per field, all at once.
func decode(c *gin.Context, v any) error {
	ct := c.ContentType()
	switch {
	case strings.HasPrefix(ct, "multipart/"):
		rv, err := structOf(v)
		if err != nil {
			return err
		}
		fields, files, err := readMultipart(c, fileFieldsOf(rv.Type())...)
		if err != nil {
			return err
		}
		return setForm(rv, fields, files)
	case ct == "application/x-www-form-urlencoded":
		rv, err := structOf(v)
		if err != nil {
			return err
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxJSONBody)
		if err := c.Request.ParseForm(); err != nil {
			return qms.Errorf(qms.ErrTooLarge, "the form is larger than 1 MiB")
		}
		return setForm(rv, c.Request.PostForm, nil)
	}
	if c.Request.ContentLength == 0 && ct == "" {
		// An act without a body (start an action): nothing to decode.
		if rv, err := structOf(v); err == nil && rv.NumField() == 0 {
			return nil
		}
	}
	return bindJSON(c, v)
}

var fileSourceType = reflect.TypeOf(qms.FileSource(nil))

func structOf(v any) (reflect.Value, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, qms.Errorf(qms.ErrInvalid, "send the body as application/json")
	}
	return rv.Elem(), nil
}

// formName is the name of a struct field in JSON and forms ("" to skip).
func formName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	if name == "" {
		name = f.Name
	}
	return name
}

// fileFieldsOf lists the form names of file parts of a request struct.
func fileFieldsOf(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Type != fileSourceType {
			continue
		}
		names := f.Tag.Get("form")
		if names == "" {
			names = "file"
		}
		out = append(out, strings.Split(names, ",")...)
	}
	return out
}

var textUnmarshaler = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()

// setForm fills the struct rv from form values.
func setForm(rv reflect.Value, values map[string][]string, files qms.FileSource) error {
	fe := qms.FieldErrors{}
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		fv := rv.Field(i)
		if sf.Type == fileSourceType {
			if files != nil {
				fv.Set(reflect.ValueOf(files))
			}
			continue
		}
		name := formName(sf)
		vals, ok := values[name]
		if name == "" || !ok {
			continue
		}
		if err := setValue(fv, vals); err != nil {
			fe.Add(name, err.Error())
		}
	}
	return fe.Err()
}

// setValue sets one field from its form values.
func setValue(fv reflect.Value, vals []string) error {
	one := ""
	if len(vals) > 0 {
		one = strings.TrimSpace(vals[0])
	}
	if fv.Kind() == reflect.Pointer {
		if one == "" {
			return nil
		}
		p := reflect.New(fv.Type().Elem())
		if err := setValue(p.Elem(), vals); err != nil {
			return err
		}
		fv.Set(p)
		return nil
	}
	if d, ok := fv.Addr().Interface().(*qms.Date); ok {
		// People write dd/mm/yyyy; date inputs send yyyy-mm-dd.
		v, err := qms.ParseDateField("", one)
		if err != nil {
			return errValue(fv.Type())
		}
		*d = v
		return nil
	}
	if fv.Addr().Type().Implements(textUnmarshaler) {
		if err := fv.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(one)); err != nil {
			return errValue(fv.Type())
		}
		return nil
	}
	switch fv.Kind() {
	case reflect.String:
		if len(vals) > 0 {
			fv.SetString(vals[0])
		}
	case reflect.Slice:
		if fv.Type().Elem().Kind() != reflect.String {
			return errValue(fv.Type())
		}
		var list []string
		for _, v := range vals {
			// A multi-select sends one value per choice; a text input may
			// hold several separated by commas.
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part != "" {
					list = append(list, part)
				}
			}
		}
		fv.Set(reflect.ValueOf(list))
	case reflect.Bool:
		b, ok := parseFormBool(one)
		if !ok {
			return errValue(fv.Type())
		}
		fv.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		if one == "" {
			return nil
		}
		n, err := strconv.ParseInt(one, 10, 64)
		if err != nil {
			return errValue(fv.Type())
		}
		fv.SetInt(n)
	case reflect.Float64:
		if one == "" {
			return nil
		}
		f, err := strconv.ParseFloat(strings.Replace(one, ",", ".", 1), 64)
		if err != nil {
			return errValue(fv.Type())
		}
		fv.SetFloat(f)
	default:
		return errValue(fv.Type())
	}
	return nil
}

// parseFormBool reads a checkbox or a yes/no choice.
func parseFormBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on":
		return true, true
	case "", "false", "0", "no", "off":
		return false, true
	}
	return false, false
}

type valueError string

func (e valueError) Error() string { return string(e) }

func errValue(t reflect.Type) error {
	switch t.Kind() {
	case reflect.Bool:
		return valueError("true or false")
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		return valueError("a number")
	}
	if t == reflect.TypeOf(qms.Date{}) {
		return valueError("a date as yyyy-mm-dd or dd/mm/yyyy")
	}
	return valueError("a value of the wrong kind")
}
