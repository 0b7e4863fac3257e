package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// MaxBodyBytes bounds a JSON or form body.
const MaxBodyBytes = 64 << 10

// IsForm reports whether the request is an HTML form post: such requests are
// answered with 303 back to a page instead of JSON.
func IsForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data"
}

// Decode reads a JSON or urlencoded-form body into dst, a pointer to a struct
// with json tags. Form values are converted to the field's kind (checkboxes:
// "on", "true", "1" are true; repeated keys fill slices).
func Decode(w http.ResponseWriter, r *http.Request, dst any) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json", "":
		dec := json.NewDecoder(r.Body)
		if err := dec.Decode(dst); err != nil {
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &mbe):
				return Errorf(ETOOLARGE, "body_too_large", MaxBodyBytes)
			case errors.Is(err, io.EOF):
				return Errorf(EINVALID, "malformed_json")
			}
			var ute *json.UnmarshalTypeError
			if errors.As(err, &ute) && ute.Field != "" {
				return Invalid(FieldError{Field: ute.Field, Code: "format"})
			}
			return Errorf(EINVALID, "malformed_json")
		}
		return nil
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return Errorf(ETOOLARGE, "body_too_large", MaxBodyBytes)
			}
			return Errorf(EINVALID, "malformed_json")
		}
		return decodeForm(r.PostForm, dst)
	default:
		return Errorf(EUNSUPPORTED, "unsupported_media")
	}
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
