// Package auth holds what identifies and entitles a person: password hashing and the roles a
// member can have in an organisation, with what each role may do.
package auth

import (
	"errors"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// BcryptCost is the work factor for new password hashes. Tests lower it to keep a suite of
// thousands of sign-ins quick; production keeps the default.
var BcryptCost = 12

// Password length limits. bcrypt reads at most 72 bytes, so longer passwords are refused
// rather than silently truncated.
const (
	MinPasswordLength = 10
	MaxPasswordBytes  = 72
)

// ErrPasswordTooLong is returned for passwords bcrypt cannot hash without truncating them.
var ErrPasswordTooLong = errors.New("password longer than 72 bytes")

// HashPassword returns a bcrypt hash of password.
func HashPassword(password string) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", ErrPasswordTooLong
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
	return string(h), err
}

// CheckPassword reports whether password matches hash.
func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("plumbline-timing-equaliser"), BcryptCost)
	return h
})

// SpendPasswordCheck does the work of one password check and discards the result. Sign-in
// calls it when the account does not exist, so that an unknown email takes as long as a wrong
// password and the answer's timing does not reveal which it was.
func SpendPasswordCheck(password string) {
	_ = bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
}
