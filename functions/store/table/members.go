package table

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/okaeri/okaeri/functions/store"
	kv "github.com/okaeri/okaeri/functions/store/item"
)

// CreateMember implements store.Members: the member item, its EMAIL# item and
// its EMPNO# item go in one transaction, each on condition that its key is
// free, so two registrations of one address can never both succeed.
func (s *Store) CreateMember(ctx context.Context, m store.Member) (store.Member, error) {
	m, err := store.PrepareMember(m, s.now())
	if err != nil {
		return store.Member{}, fmt.Errorf("create member: %w", err)
	}
	writes := []kv.Op{
		putIfAbsent(memberItem(m)),
		putIfAbsent(memberIndexItem(emailKey(m.Email), typeEmailIndex, m.ID)),
	}
	fields := []string{"id", "email"}
	if m.EmployeeNumber != "" {
		writes = append(writes, putIfAbsent(memberIndexItem(numberKey(m.EmployeeNumber), typeNumberIndex, m.ID)))
		fields = append(fields, "employeeNumber")
	}
	for _, r := range m.Roles {
		writes = append(writes, kv.Put(roleIndexItem(r, m.ID), nil))
	}
	writes = append(writes, counterOps(store.MemberCounts(nil, &m, s.now()))...)
	if err := s.transact(ctx, "create member", writes); err != nil {
		return store.Member{}, fmt.Errorf("create member: %w", conflictOf(err, fields))
	}
	return m, nil
}

// GetMember implements store.Members.
func (s *Store) GetMember(ctx context.Context, id string) (store.Member, error) {
	m, _, err := s.getMember(ctx, id)
	return wrapResult("get member", m, err)
}

// GetMemberByEmail implements store.Members: EMAIL#<hash> names the member,
// then the member item is read; both reads are strongly consistent.
func (s *Store) GetMemberByEmail(ctx context.Context, email string) (store.Member, error) {
	if store.NormalizeEmail(email) == "" {
		return store.Member{}, fmt.Errorf("get member by email: %w", store.ErrNotFound)
	}
	m, err := s.getMemberByIndex(ctx, emailKey(email), func(m store.Member) bool {
		return store.NormalizeEmail(m.Email) == store.NormalizeEmail(email)
	})
	return wrapResult("get member by email", m, err)
}

// GetMemberByEmployeeNumber implements store.Members.
func (s *Store) GetMemberByEmployeeNumber(ctx context.Context, number string) (store.Member, error) {
	if number == "" {
		return store.Member{}, fmt.Errorf("get member by employee number: %w", store.ErrNotFound)
	}
	m, err := s.getMemberByIndex(ctx, numberKey(number), func(m store.Member) bool {
		return m.EmployeeNumber == number
	})
	return wrapResult("get member by employee number", m, err)
}

// getMemberByIndex follows an index item to its member. matches guards the
// moment between the two reads when the member changed its address.
func (s *Store) getMemberByIndex(ctx context.Context, k kv.Key, matches func(store.Member) bool) (store.Member, error) {
	it, err := s.getItem(ctx, "get member index", k)
	if err != nil {
		return store.Member{}, err
	}
	id := (&decoder{it: it}).str("member_id")
	m, _, err := s.getMember(ctx, id)
	if err != nil {
		return store.Member{}, err
	}
	if !matches(m) {
		return store.Member{}, store.ErrNotFound
	}
	return m, nil
}

// getMember reads a member item, returning the member and the item.
func (s *Store) getMember(ctx context.Context, id string) (store.Member, item, error) {
	if id == "" {
		return store.Member{}, nil, store.ErrNotFound
	}
	return getRecord(ctx, s, "get member", memberKey(id), decodeMember)
}

// UpdateMember implements store.Members as compare-and-swap on the version
// attribute: the write is conditioned on the version read, and lost races are
// re-read and re-applied. When the email or employee number changes, the old
// index item is deleted and the new one claimed in the same transaction.
func (s *Store) UpdateMember(ctx context.Context, id string, update func(old store.Member) (store.Member, error)) (store.Member, error) {
	var updated store.Member
	err := retryRaces(ctx, 0, versionChanged, func() error {
		old, _, err := s.getMember(ctx, id)
		if err != nil {
			return err
		}
		next, err := update(cloneMember(old))
		if err != nil {
			return err
		}
		if updated, err = store.ApplyUpdate(old, next, s.now()); err != nil {
			return err
		}
		return s.replaceMember(ctx, "update member", &old, updated)
	})
	return wrapResult("update member", updated, err)
}

// errVersionChanged means the member item was not at the version read.
var errVersionChanged = errors.New("member changed concurrently")

// replaceMember writes m over old (nil: there is no member with m.ID yet),
// moving the unique index items that changed. It returns errVersionChanged if
// the stored member is no longer old.
func (s *Store) replaceMember(ctx context.Context, op string, old *store.Member, m store.Member) error {
	cond := kv.NotExists()
	if old != nil {
		cond = kv.Eq("version", old.Version)
	}
	writes := []kv.Op{kv.Put(memberItem(m), cond)}
	fields := []string{""}
	owned := kv.Or(kv.NotExists(), kv.Eq("member_id", m.ID))
	claim := func(k kv.Key, typ, field string) {
		// The item may already be this member's (an import of the same record).
		writes = append(writes, kv.Put(memberIndexItem(k, typ, m.ID), owned))
		fields = append(fields, field)
	}
	release := func(k kv.Key) {
		writes = append(writes, kv.Delete(k, owned))
		fields = append(fields, "")
	}
	oldEmail, oldNumber := "", ""
	if old != nil {
		oldEmail, oldNumber = store.NormalizeEmail(old.Email), old.EmployeeNumber
	}
	if newEmail := store.NormalizeEmail(m.Email); newEmail != oldEmail {
		if oldEmail != "" {
			release(emailKey(oldEmail))
		}
		claim(emailKey(newEmail), typeEmailIndex, "email")
	}
	if m.EmployeeNumber != oldNumber {
		if oldNumber != "" {
			release(numberKey(oldNumber))
		}
		if m.EmployeeNumber != "" {
			claim(numberKey(m.EmployeeNumber), typeNumberIndex, "employeeNumber")
		}
	}
	var oldRoles []store.Role
	if old != nil {
		oldRoles = old.Roles
	}
	for _, r := range m.Roles {
		if !slices.Contains(oldRoles, r) {
			writes = append(writes, kv.Put(roleIndexItem(r, m.ID), nil))
			fields = append(fields, "")
		}
	}
	for _, r := range oldRoles {
		if !slices.Contains(m.Roles, r) {
			writes = append(writes, kv.Delete(roleKey(r, m.ID), nil))
			fields = append(fields, "")
		}
	}
	writes = append(writes, counterOps(store.MemberCounts(old, &m, s.now()))...)
	err := s.transact(ctx, op, writes)
	if i, _, ok := failedAt(err); ok && i == 0 {
		return errVersionChanged
	}
	return conflictOf(err, fields)
}

// ListMembersByStatus implements store.Members with a Query on GSI1
// (GSI1PK = STATUS#<status>, GSI1SK = <createdAt>#<id>).
func (s *Store) ListMembersByStatus(ctx context.Context, status store.Status, page store.Page) ([]store.Member, string, error) {
	if !store.ValidStatus(status) {
		return nil, "", fmt.Errorf("list members: %w", &store.ValidationError{Field: "status", Code: "unknown"})
	}
	out, cursor, err := queryPageOf(ctx, s, kv.Query{Index: IndexGSI1, PK: statusPartition(status)}, page, decodeMember)
	if err != nil {
		return nil, "", fmt.Errorf("list members: %w", err)
	}
	return out, cursor, nil
}

// ListMembersByRole implements store.Members: a consistent Query of the
// ROLE#<role> partition, whose items name the members, then each member.
func (s *Store) ListMembersByRole(ctx context.Context, role store.Role) ([]store.Member, error) {
	items, err := s.queryAll(ctx, kv.Query{PK: rolePartition(role)})
	if err != nil {
		return nil, fmt.Errorf("list members by role: %w", err)
	}
	var out []store.Member
	for _, it := range items {
		m, _, err := s.getMember(ctx, (&decoder{it: it}).str("member_id"))
		if errors.Is(err, store.ErrNotFound) {
			continue // erased between the two reads
		}
		if err != nil {
			return nil, fmt.Errorf("list members by role: %w", err)
		}
		if m.HasRole(role) {
			out = append(out, m)
		}
	}
	return out, nil
}

// DeleteMember implements store.Members: the member item (at the version
// read) and its index items go in one transaction.
func (s *Store) DeleteMember(ctx context.Context, id string) error {
	err := retryRaces(ctx, 0, versionChanged, func() error {
		old, _, err := s.getMember(ctx, id)
		if err != nil {
			return err
		}
		last, err := s.lastActive(ctx, id)
		if err != nil {
			return err
		}
		owned := kv.Or(kv.NotExists(), kv.Eq("member_id", id))
		writes := []kv.Op{
			kv.Delete(memberKey(id), kv.Eq("version", old.Version)),
			kv.Delete(emailKey(old.Email), owned),
		}
		if old.EmployeeNumber != "" {
			writes = append(writes, kv.Delete(numberKey(old.EmployeeNumber), owned))
		}
		for _, r := range old.Roles {
			writes = append(writes, kv.Delete(roleKey(r, id), nil))
		}
		writes = append(writes, counterOps(store.MemberCounts(&old, nil, s.now()))...)
		activity := len(writes)
		writes = append(writes, forgetActivity(id, last)...)
		err = s.transact(ctx, "delete member", writes)
		if i, _, ok := failedAt(err); ok && (i == 0 || i == activity && last != "") {
			return errVersionChanged
		}
		return err
	})
	return wrapOp("delete member", err)
}

func cloneMember(m store.Member) store.Member {
	m.Consents = maps.Clone(m.Consents)
	m.Roles = slices.Clone(m.Roles)
	m.ConsentHistory = slices.Clone(m.ConsentHistory)
	m.Decisions = slices.Clone(m.Decisions)
	return m
}
