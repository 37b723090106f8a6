package qms

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// SignAndAttachForTest is a miniature use case made of the shared pieces (confirmSigner,
// insertFile, recordSignature), so they are tested before every feature that uses them.
func (s *Service) SignAndAttachForTest(ctx context.Context, a Actor, uploads []Upload, entityID uuid.UUID, password string) ([]File, Signature, error) {
	if err := s.confirmSigner(ctx, a, password); err != nil {
		return nil, Signature{}, err
	}
	var files []File
	var sig Signature
	err := s.write(ctx, a, func(tx pgx.Tx) error {
		parts := []string{"test content"}
		for _, u := range uploads {
			f, err := insertFile(ctx, tx, a, u)
			if err != nil {
				return err
			}
			files = append(files, f)
			parts = append(parts, f.SHA256)
		}
		var err error
		sig, err = recordSignature(ctx, tx, a, "test", entityID, "approved", ContentHash(parts...), "")
		return err
	})
	return files, sig, err
}

// HeatLikelihoodSQL is where the heat map places a risk on its likelihood axis.
const HeatLikelihoodSQL = heatLikelihoodSQL

// KeptReads counts the reads the service answered from what it kept of an organisation.
func (s *Service) KeptReads() int64 { return s.cache.hits.Load() }

// HearsChanges tells whether the service is listening for changes to organisations.
func (s *Service) HearsChanges() bool {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return s.cache.live
}

// KeepWithoutHearingChanges lets the service keep what it reads of organisations without
// listening for the database's announcements: only its own changes void what it kept.
func (s *Service) KeepWithoutHearingChanges() { s.cache.listening(true) }
