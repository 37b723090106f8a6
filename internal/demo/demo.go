// Package demo seeds Northwind Precision Components, the demo organisation: a believable
// mid-sized manufacturer with people, sites, processes and the history of setting them up.
// Everything goes through the service layer, so the demo obeys every rule a user does and
// its audit trail is real.
//
// Seeding is idempotent: each step checks whether its part exists and skips it if so, so
// running it again (or after an upgrade adds steps) is safe.
package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/plumbline/plumbline/internal/auth"
	"github.com/plumbline/plumbline/internal/qms"
)

// Slug and Name of the demo organisation.
const (
	Slug = "northwind"
	Name = "Northwind Precision Components Ltd"
)

// Password signs in every demo user. It is printed by `make run`; it is a demo.
const Password = "northwind-demo"

// Person is a demo user.
type Person struct {
	Email string
	Name  string
	Title string
	Role  auth.Role
}

// People are the demo users, first the one who set the organisation up.
var People = []Person{
	{"helen.ward@northwind.example", "Helen Ward", "Managing Director", auth.RoleAdmin},
	{"priya.shah@northwind.example", "Priya Shah", "Quality Manager", auth.RoleQualityManager},
	{"tom.baker@northwind.example", "Tom Baker", "Production Manager", auth.RoleProcessOwner},
	{"maria.lopez@northwind.example", "Maria Lopez", "Purchasing Manager", auth.RoleProcessOwner},
	{"daniel.okafor@northwind.example", "Daniel Okafor", "Sales Manager", auth.RoleProcessOwner},
	{"rachel.evans@northwind.example", "Rachel Evans", "HR & Training Coordinator", auth.RoleProcessOwner},
	{"ian.clarke@northwind.example", "Ian Clarke", "Internal Auditor", auth.RoleAuditor},
	{"sam.lee@northwind.example", "Sam Lee", "CNC Machinist", auth.RoleViewer},
}

// The demo people's emails, for the steps that act as them.
const (
	helen  = "helen.ward@northwind.example"
	priya  = "priya.shah@northwind.example"
	tom    = "tom.baker@northwind.example"
	maria  = "maria.lopez@northwind.example"
	daniel = "daniel.okafor@northwind.example"
	rachel = "rachel.evans@northwind.example"
	ian    = "ian.clarke@northwind.example"
	sam    = "sam.lee@northwind.example"
)

// Result says what Seed found and did.
type Result struct {
	Org     qms.Organisation
	Created bool
}

// Seed creates the demo organisation, or completes it if a step is missing.
func Seed(ctx context.Context, svc *qms.Service) (Result, error) {
	org, err := svc.OrganisationBySlug(ctx, Slug)
	created := false
	switch {
	case qms.ErrorKind(err) == qms.KindNotFound:
		if org, err = svc.CreateOrganisation(ctx, Slug, Name, "demo seed"); err != nil {
			return Result{}, err
		}
		created = true
	case err != nil:
		return Result{}, err
	}
	s := &seeder{svc: svc, org: org}
	for _, step := range []func(context.Context) error{
		s.people,
		s.structure,
		s.documents,
		s.objectives,
		s.records,
		s.audits,
		s.capas,
		s.risks,
		s.reviews,
	} {
		if err := step(ctx); err != nil {
			return Result{}, err
		}
	}
	return Result{Org: org, Created: created}, nil
}

// seeder carries what the steps share: the organisation and its people as actors.
type seeder struct {
	svc    *qms.Service
	org    qms.Organisation
	actors map[string]qms.Actor // by email
}

// as returns the actor for a demo person, so the trail shows who did what.
func (s *seeder) as(email string) qms.Actor { return s.actors[email] }

func (s *seeder) people(ctx context.Context) error {
	system := qms.SystemActor(s.org, "demo seed")
	members, err := s.svc.Members(ctx, system)
	if err != nil {
		return err
	}
	isMember := map[string]bool{}
	for _, m := range members {
		isMember[m.Email] = true
	}
	by := system // the first admin is added by the seed, everyone else by that admin
	for _, p := range People {
		_, err := s.svc.CreateUser(ctx, qms.NewUser{Email: p.Email, Name: p.Name, Password: Password})
		if err != nil && qms.FieldErrors(err)["email"] == "" { // "already exists" is fine
			return fmt.Errorf("creating %s: %w", p.Email, err)
		}
		if !isMember[p.Email] {
			added, err := s.svc.AddMember(ctx, by, qms.NewMember{Email: p.Email, Role: p.Role})
			if err != nil {
				return fmt.Errorf("adding %s: %w", p.Email, err)
			}
			members = append(members, added.Member)
		}
		if by.UserID == uuid.Nil {
			if by, err = s.actorOf(ctx, members, p.Email); err != nil {
				return err
			}
		}
	}
	s.actors = map[string]qms.Actor{}
	for _, p := range People {
		if s.actors[p.Email], err = s.actorOf(ctx, members, p.Email); err != nil {
			return err
		}
	}
	return nil
}

func (s *seeder) actorOf(ctx context.Context, members []qms.Member, email string) (qms.Actor, error) {
	for _, m := range members {
		if m.Email == email {
			return s.svc.ActorFor(ctx, m.UserID, Slug)
		}
	}
	return qms.Actor{}, errors.New("demo user " + email + " is not a member of the demo organisation")
}

// structure sets up sites and processes the way Helen did when the QMS was introduced:
// including a site that has since closed and a process that changed hands.
func (s *seeder) structure(ctx context.Context) error {
	helen := s.as("helen.ward@northwind.example")
	existing, err := s.svc.Sites(ctx, helen)
	if err != nil || len(existing) > 0 {
		return err
	}
	sites := []qms.SiteInput{
		{Name: "Leeds Plant", Code: "LDS", Address: "Unit 4, Aire Valley Business Park\nLeeds LS10 1AB"},
		{Name: "Sheffield Distribution Centre", Code: "SHF", Address: "12 Meadowhall Way\nSheffield S9 2EQ"},
		{Name: "Bradford Workshop", Code: "BFD", Address: "3 Canal Road\nBradford BD1 4SJ"},
	}
	for _, in := range sites {
		if _, err := s.svc.CreateSite(ctx, helen, in); err != nil {
			return err
		}
	}
	all, err := s.svc.Sites(ctx, helen)
	if err != nil {
		return err
	}
	for _, site := range all {
		if site.Code == "BFD" {
			// Bradford's work moved to Leeds in the consolidation.
			if _, err := s.svc.SetSiteArchived(ctx, helen, site.ID, site.Version, true); err != nil {
				return err
			}
		}
	}

	owner := func(email string) uuid.UUID { return s.as(email).UserID }
	processes := []struct {
		name, desc, owner string
	}{
		{"Management & planning", "Sets the quality policy and objectives, plans changes, runs management review.", "helen.ward@northwind.example"},
		{"Sales & customer service", "Quotations, contract review, order entry, customer communication and complaints intake.", "daniel.okafor@northwind.example"},
		{"Design & engineering", "Drawings, process sheets and CNC programs for new and changed parts; first-article approval.", "priya.shah@northwind.example"},
		{"Purchasing & supplier management", "Selects, approves and evaluates suppliers of bar stock, tooling, heat treatment and plating.", "maria.lopez@northwind.example"},
		{"Production", "CNC turning and milling, deburring and assembly of precision components at Leeds.", "tom.baker@northwind.example"},
		{"Inspection & testing", "Incoming, in-process and final inspection; CMM measurement; release of product.", "priya.shah@northwind.example"},
		{"Warehouse & dispatch", "Goods-in, storage, picking, packing and dispatch from Sheffield.", "tom.baker@northwind.example"},
		{"Maintenance & calibration", "Planned maintenance of machines and calibration of gauges and instruments.", "tom.baker@northwind.example"},
		{"Training & competence", "Induction, skills matrix, training records and competence evaluation.", "rachel.evans@northwind.example"},
	}
	for _, p := range processes {
		if _, err := s.svc.CreateProcess(ctx, helen, qms.ProcessInput{Name: p.name, Description: p.desc, OwnerID: owner(p.owner)}); err != nil {
			return err
		}
	}
	// Inspection & testing moved under production for a while and came back to quality after
	// the last surveillance audit: the trail shows both hand-overs.
	list, err := s.svc.Processes(ctx, helen)
	if err != nil {
		return err
	}
	for _, p := range list {
		if p.Name != "Inspection & testing" {
			continue
		}
		moved, err := s.svc.UpdateProcess(ctx, helen, p.ID, p.Version, qms.ProcessInput{Name: p.Name, Description: p.Description, OwnerID: owner("tom.baker@northwind.example")})
		if err != nil {
			return err
		}
		if _, err := s.svc.UpdateProcess(ctx, helen, p.ID, moved.Version, qms.ProcessInput{Name: p.Name, Description: p.Description, OwnerID: owner("priya.shah@northwind.example")}); err != nil {
			return err
		}
	}
	return nil
}
