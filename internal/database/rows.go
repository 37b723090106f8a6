package database

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// CollectRows reads every row into a T, each column into the field of the same name, as
// pgx.CollectRows with pgx.RowToStructByName does: a field is named by its db tag, or else by
// its Go name compared without case or underscores; db:"-" leaves a field out; embedded
// structs lend their fields; every column needs a field and every field a column. The
// difference is cost: pgx works out where each column goes for every row, by joining the
// column names into a key and looking it up, then taking each field's address through
// reflection; a list of fifty rows did that fifty times. Here it is done once per result.
func CollectRows[T any](rows pgx.Rows) ([]T, error) {
	defer rows.Close()
	out := []T{}
	var row T
	targets, err := scanTargets(&row, rows.FieldDescriptions())
	if err != nil {
		return nil, err
	}
	var zero T
	for rows.Next() {
		// Every field starts empty, so that nothing read into a slice or pointer of one row
		// is shared with the next.
		row = zero
		if err := rows.Scan(targets...); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// scanTargets are the addresses of the fields of *dst that the columns go into, in column
// order.
func scanTargets(dst any, cols []pgconn.FieldDescription) ([]any, error) {
	v := reflect.ValueOf(dst).Elem()
	fields := structFieldsOf(v.Type())
	targets := make([]any, len(cols))
	used := make([]bool, len(fields))
	for i, col := range cols {
		f := fields.find(col.Name)
		if f < 0 {
			return nil, fmt.Errorf("%s has no field for column %s", v.Type(), col.Name)
		}
		if used[f] {
			return nil, fmt.Errorf("%s: column %s is read twice", v.Type(), col.Name)
		}
		used[f] = true
		targets[i] = v.FieldByIndex(fields[f].path).Addr().Interface()
	}
	for i, f := range fields {
		if !used[i] {
			return nil, fmt.Errorf("cannot find field %s in returned row", f.name)
		}
	}
	return targets, nil
}

// structField is a field that a column may be read into: its name as a column names it
// (normalised when it has no db tag) and where it sits in the struct.
type structField struct {
	name   string
	tagged bool
	path   []int
}

type structFields []structField

// structFieldsByType caches structFields by struct type: a type's fields never change.
var structFieldsByType sync.Map

func structFieldsOf(t reflect.Type) structFields {
	if f, ok := structFieldsByType.Load(t); ok {
		return f.(structFields)
	}
	var fields structFields
	var walk func(t reflect.Type, path []int)
	walk = func(t reflect.Type, path []int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			at := append(path[:len(path):len(path)], i)
			switch {
			case sf.Anonymous && sf.Type.Kind() == reflect.Struct:
				walk(sf.Type, at)
			case sf.PkgPath != "":
				// unexported
			default:
				tag, tagged := sf.Tag.Lookup("db")
				tag, _, _ = strings.Cut(tag, ",")
				switch {
				case tag == "-":
				case tagged:
					fields = append(fields, structField{name: tag, tagged: true, path: at})
				default:
					fields = append(fields, structField{name: normaliseName(sf.Name), path: at})
				}
			}
		}
	}
	walk(t, nil)
	f, _ := structFieldsByType.LoadOrStore(t, fields)
	return f.(structFields)
}

// find is the field a column goes into, as pgx matches them: a db tag exactly, else without
// regard to case; a field without a tag without regard to case or underscores.
func (fs structFields) find(col string) int {
	for i, f := range fs {
		if f.tagged && f.name == col {
			return i
		}
	}
	normal := ""
	for i, f := range fs {
		if f.tagged {
			if strings.EqualFold(f.name, col) {
				return i
			}
			continue
		}
		if normal == "" {
			normal = normaliseName(col)
		}
		if strings.EqualFold(f.name, normal) {
			return i
		}
	}
	return -1
}

func normaliseName(s string) string { return strings.ReplaceAll(s, "_", "") }
