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
func (w *sqlWhere) add2(cond string, arg1, arg2 any) { w.addN(cond, arg1, arg2) }

// addN appends cond with a parameter for each of args, numbered in cond by its %d in turn.
func (w *sqlWhere) addN(cond string, args ...any) {
	nums := make([]any, len(args))
	for i := range args {
		nums[i] = len(w.args) + i + 1
	}
	w.args = append(w.args, args...)
	w.conds = append(w.conds, fmt.Sprintf(cond, nums...))
}

// plain appends a condition without parameters.
func (w *sqlWhere) plain(cond string) {
	w.conds = append(w.conds, cond)
}

// where is " WHERE cond AND cond ...", or "" without conditions.
func (w *sqlWhere) where() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// pageFirst is a list query that chooses its page before joining: sel, a SELECT whose FROM
// clause starts with from ("capas c"), reads instead from page, a query of that table alone
// that selects one page of its rows along an index, and the result is in order. A plan kept
// for the query then walks the index to one page whatever the organisation's size, rather
// than joining a whole register before it limits.
//
// The selects it is used with look names up in the organisation, $1 (every list query passes
// the organisation first), as in "JOIN processes p ON p.tenant_id = $1 AND p.id = c.process_id",
// not in each row's tenant_id. Compared with the row's column and with row-level security's
// tenant, the tenant is counted twice in a kept plan's estimates, and the plan read the names'
// table through whichever index leads with tenant_id, filtering the organisation's processes,
// sites or suppliers for every row of the page instead of probing the primary key.
func pageFirst(sel, from, page, order string) string {
	alias := from[strings.LastIndexByte(from, ' ')+1:]
	if !strings.Contains(sel, "FROM "+from) {
		panic("pageFirst: the query does not read FROM " + from)
	}
	return strings.Replace(sel, "FROM "+from, "FROM ("+page+") "+alias, 1) + order
}
