package qms

import (
	"fmt"
	"strings"
)

// sqlWhere builds the WHERE clause of a list query from the filters that are set. Values
// always travel as parameters; a condition only names its parameters' numbers ($%d). A query
// without "($n IS NULL OR ...)" catch-alls has a plan that suits every run of its shape, so
// PostgreSQL may keep it.
type sqlWhere struct {
	conds []string
	args  []any
}

// add appends cond, in which every %d (or %[1]d) is the number of arg's parameter.
func (w *sqlWhere) add(cond string, arg any) {
	w.args = append(w.args, arg)
	w.conds = append(w.conds, fmt.Sprintf(cond, len(w.args)))
}

// add2 appends cond with two parameters, numbered in cond by its two %d.
func (w *sqlWhere) add2(cond string, arg1, arg2 any) {
	w.args = append(w.args, arg1, arg2)
	n := len(w.args)
	w.conds = append(w.conds, fmt.Sprintf(cond, n-1, n))
}

// where is " WHERE cond AND cond ...", or "" without conditions.
func (w *sqlWhere) where() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}
