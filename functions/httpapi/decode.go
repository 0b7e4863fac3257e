package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// IsForm reports whether the request is an HTML form post: such requests are
// answered with 303 back to a page instead of JSON.
func IsForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data"
}

// Decode reads a JSON or urlencoded-form body into dst, a pointer to a struct
// with json tags. Form values are converted to the field's kind (checkboxes:
// "on", "true", "1" are true; repeated keys fill slices).
//
// Bodies are strict: invalid UTF-8 anywhere, a JSON key given twice at any
// depth, anything after the JSON value, or a value of the wrong type is a
// 400 naming the field where there is one, before the handler sees any of
// it. Unknown fields are ignored (the site's forms send a few the API does
// not read, such as lang). A body over MaxBodyBytes, or over a smaller
// limit around the route (BodyLimit), is a 413.
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json", "":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return bodyError(err)
		}
		if err := checkJSON(body); err != nil {
			return err
		}
		if err := json.Unmarshal(body, dst); err != nil {
			var ute *json.UnmarshalTypeError
			if errors.As(err, &ute) && ute.Field != "" {
				return Invalid(FieldError{Field: ute.Field, Code: "format"})
			}
			return Errorf(EINVALID, "malformed_json")
		}
		return nil
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return bodyError(err)
		}
		if err := checkFormUTF8(r.PostForm); err != nil {
			return err
		}
		return decodeForm(r.PostForm, dst)
	default:
		return Errorf(EUNSUPPORTED, "unsupported_media")
	}
}

// bodyError is the answer to a body that could not be read: 413 naming the
// limit that cut it, else 400.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return Errorf(ETOOLARGE, "body_too_large", mbe.Limit)
	}
	return Errorf(EINVALID, "malformed_body")
}

// checkJSON walks body's tokens once: it must be one JSON value and nothing
// after it, with valid UTF-8 in every string and no key twice in an object.
// encoding/json would silently turn bad bytes into U+FFFD and keep the last
// of two keys (which a proxy or another parser may read as the first).
func checkJSON(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return Errorf(EINVALID, "malformed_json")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		key    string // the object's current key, or the array's index
		n      int
		expect bool // an object's next string token is a key
	}
	var stack []*frame
	path := func(last string) string {
		var parts []string
		for _, f := range stack {
			if f.key != "" {
				parts = append(parts, f.key)
			}
		}
		if last != "" {
			parts = append(parts, last)
		}
		return strings.Join(parts, ".")
	}
	var prev int64
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) > 0 {
				return Errorf(EINVALID, "malformed_json")
			}
			return nil
		}
		if err != nil {
			return Errorf(EINVALID, "malformed_json")
		}
		raw := body[prev:dec.InputOffset()]
		prev = dec.InputOffset()
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				if _, err := dec.Token(); !errors.Is(err, io.EOF) {
					return Errorf(EINVALID, "trailing_data")
				}
				return nil
			}
			if p := stack[len(stack)-1]; p.object {
				p.expect = true
			}
			continue
		}
		if top != nil && top.object && top.expect {
			key, _ := tok.(string)
			top.key = "" // the path of this key is its object's
			if !utf8.Valid(raw) {
				return Invalid(FieldError{Field: path(fieldName(key)), Code: "utf8"})
			}
			if top.keys[key] {
				return Invalid(FieldError{Field: path(key), Code: "duplicate"})
			}
			top.keys[key] = true
			top.key, top.expect = key, false
			continue
		}
		if top != nil && !top.object {
			top.key = strconv.Itoa(top.n)
			top.n++
		}
		switch t := tok.(type) {
		case json.Delim: // { or [
			stack = append(stack, &frame{object: t == '{', keys: map[string]bool{}, expect: t == '{'})
			continue
		case string:
			if !utf8.Valid(raw) {
				return Invalid(FieldError{Field: path(""), Code: "utf8"})
			}
		}
		if top != nil && top.object {
			top.expect = true
		}
		if len(stack) == 0 { // a scalar at the top
			if _, err := dec.Token(); !errors.Is(err, io.EOF) {
				return Errorf(EINVALID, "trailing_data")
			}
			return nil
		}
	}
}

// fieldName shows a field's name that was not UTF-8 with ? for the bad bytes.
func fieldName(k string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(k, "?"), string(utf8.RuneError), "?")
}

// checkFormUTF8 refuses a form whose names or values are not UTF-8 once
// percent-decoded.
func checkFormUTF8(form url.Values) error {
	for k, vs := range form {
		if !utf8.ValidString(k) {
			return Invalid(FieldError{Field: fieldName(k), Code: "utf8"})
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return Invalid(FieldError{Field: k, Code: "utf8"})
			}
		}
	}
	return nil
}

// decodeForm fills dst's json-tagged fields from form values.
func decodeForm(form url.Values, dst any) error {
	v := reflect.ValueOf(dst).Elem()
	t := v.Type()
	var fields []FieldError
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		vals, ok := form[name]
		if !ok || len(vals) == 0 {
			continue
		}
		if err := setFormValue(v.Field(i), vals); err != nil {
			fields = append(fields, FieldError{Field: name, Code: "format"})
		}
	}
	if len(fields) > 0 {
		return Invalid(fields...)
	}
	return nil
}

func setFormValue(f reflect.Value, vals []string) error {
	if f.Kind() == reflect.Pointer {
		p := reflect.New(f.Type().Elem())
		if err := setFormValue(p.Elem(), vals); err != nil {
			return err
		}
		f.Set(p)
		return nil
	}
	s := vals[len(vals)-1]
	switch f.Kind() {
	case reflect.String:
		f.SetString(s)
	case reflect.Bool:
		switch strings.ToLower(s) {
		case "on", "true", "1", "yes":
			f.SetBool(true)
		case "off", "false", "0", "no", "":
			f.SetBool(false)
		default:
			return errors.New("not a boolean")
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return err
		}
		f.SetInt(n)
	case reflect.Slice:
		if f.Type().Elem().Kind() != reflect.String {
			return errors.New("unsupported slice")
		}
		out := reflect.MakeSlice(f.Type(), 0, len(vals))
		for _, x := range vals {
			out = reflect.Append(out, reflect.ValueOf(x).Convert(f.Type().Elem()))
		}
		f.Set(out)
	default:
		return errors.New("unsupported kind")
	}
	return nil
}
