package qms

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"
)

// checks collects per-field messages while a use case validates its input, so the user sees
// every problem at once instead of one per submit.
type checks map[string]string

func (c checks) add(field, msg string) {
	if _, taken := c[field]; !taken {
		c[field] = msg
	}
}

func (c checks) require(field, value, msg string) {
	if strings.TrimSpace(value) == "" {
		c.add(field, msg)
	}
}

func (c checks) maxLen(field, value string, n int) {
	if utf8.RuneCountInString(value) > n {
		c.add(field, "Keep this to "+strconv.Itoa(n)+" characters or fewer.")
	}
}

func (c checks) email(field, value string) {
	if value == "" {
		c.add(field, "Enter an email address.")
		return
	}
	addr, err := mail.ParseAddress(value)
	if err != nil || addr.Address != value || !strings.Contains(value, "@") {
		c.add(field, "Enter an email address like name@example.com.")
	}
}

func (c checks) err() error {
	if len(c) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Message: "Please correct the highlighted fields.", Fields: map[string]string(c)}
}

// clean trims surrounding space, which people paste by accident and never mean.
func clean(s string) string { return strings.TrimSpace(s) }

// normaliseEmail is the one form an email is stored and compared in.
func normaliseEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Plural counts things in a sentence: "1 finding", "3 findings", "2 people".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
