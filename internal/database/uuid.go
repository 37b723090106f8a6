package database

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// uuidCodec reads PostgreSQL's uuid straight into a uuid.UUID and writes it straight from one.
// pgx knows uuid.UUID only as a sql.Scanner and a driver.Valuer, which work in text: every id
// of every row was formatted as a string and parsed back, about a fifth of the cost of reading
// a list's rows, and every id sent as a parameter was formatted by Value and parsed again by
// pgx before being sent as 16 bytes. Those 16 bytes are the UUID's bytes, so they are copied.
type uuidCodec struct{ pgtype.UUIDCodec }

func (c uuidCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(uuid.UUID); ok {
		if format == pgtype.BinaryFormatCode {
			return encodeUUIDBytes{}
		}
		return encodeUUIDText{}
	}
	// A *uuid.UUID comes back here as a uuid.UUID through pgx's pointer wrapper, and a nil
	// one is sent as NULL.
	return c.UUIDCodec.PlanEncode(m, oid, format, value)
}

type encodeUUIDBytes struct{}

func (encodeUUIDBytes) Encode(value any, buf []byte) ([]byte, error) {
	id := value.(uuid.UUID)
	return append(buf, id[:]...), nil
}

type encodeUUIDText struct{}

func (encodeUUIDText) Encode(value any, buf []byte) ([]byte, error) {
	return append(buf, value.(uuid.UUID).String()...), nil
}

func (c uuidCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(*uuid.UUID); ok && format == pgtype.BinaryFormatCode {
		return scanUUIDBytes{}
	}
	return c.UUIDCodec.PlanScan(m, oid, format, target)
}

type scanUUIDBytes struct{}

func (scanUUIDBytes) Scan(src []byte, dst any) error {
	id := dst.(*uuid.UUID)
	if src == nil {
		// As uuid.UUID's own Scan does: NULL reads as the zero UUID. Columns that may be NULL
		// are read into *uuid.UUID, which pgx sets to nil before asking this plan.
		*id = uuid.Nil
		return nil
	}
	if len(src) != len(id) {
		return fmt.Errorf("a uuid of %d bytes", len(src))
	}
	copy(id[:], src)
	return nil
}

// registerTypes teaches a new connection the codecs above, for single values and arrays.
func registerTypes(_ context.Context, conn *pgx.Conn) error {
	types := conn.TypeMap()
	one := &pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: uuidCodec{}}
	types.RegisterType(one)
	types.RegisterType(&pgtype.Type{Name: "_uuid", OID: pgtype.UUIDArrayOID, Codec: &pgtype.ArrayCodec{ElementType: one}})
	return nil
}
