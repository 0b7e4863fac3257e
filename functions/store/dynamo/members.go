package dynamo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/dynamo/ddb"
	"github.com/okaeri/okaeri/functions/waitctx"
)

// CreateMember implements store.Members: the member item, its EMAIL# item and
// its EMPNO# item go in one transaction, each on condition that its key is
// free, so two registrations of one address can never both succeed.
func (s *Store) CreateMember(ctx context.Context, m store.Member) (store.Member, error) {
	m, err := store.PrepareMember(m, s.now())
	if err != nil {
		return store.Member{}, fmt.Errorf("create member: %w", err)
	}
	writes := []ddb.TransactWriteItem{
		s.putIfAbsent(memberItem(m)),
		s.putIfAbsent(memberIndexItem(emailKey(m.Email), typeEmailIndex, m.ID)),
	}
	fields := []string{"id", "email"}
	if m.EmployeeNumber != "" {
		writes = append(writes, s.putIfAbsent(memberIndexItem(numberKey(m.EmployeeNumber), typeNumberIndex, m.ID)))
		fields = append(fields, "employeeNumber")
	}
	for _, r := range m.Roles {
		writes = append(writes, ddb.TransactWriteItem{Put: &ddb.Put{TableName: &s.table, Item: roleIndexItem(r, m.ID)}})
	}
	if err := s.transact(ctx, "create member", writes); err != nil {
		return store.Member{}, fmt.Errorf("create member: %w", conflictOf(err, fields))
	}
	return m, nil
}

// GetMember implements store.Members.
func (s *Store) GetMember(ctx context.Context, id string) (store.Member, error) {
	m, _, err := s.getMember(ctx, id)
	if err != nil {
		return store.Member{}, fmt.Errorf("get member: %w", err)
	}
	return m, nil
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
	if err != nil {
		return store.Member{}, fmt.Errorf("get member by email: %w", err)
	}
	return m, nil
}

// GetMemberByEmployeeNumber implements store.Members.
func (s *Store) GetMemberByEmployeeNumber(ctx context.Context, number string) (store.Member, error) {
	if number == "" {
		return store.Member{}, fmt.Errorf("get member by employee number: %w", store.ErrNotFound)
	}
	m, err := s.getMemberByIndex(ctx, numberKey(number), func(m store.Member) bool {
		return m.EmployeeNumber == number
	})
	if err != nil {
		return store.Member{}, fmt.Errorf("get member by employee number: %w", err)
	}
	return m, nil
}

// getMemberByIndex follows an index item to its member. matches guards the
// moment between the two reads when the member changed its address.
func (s *Store) getMemberByIndex(ctx context.Context, k item, matches func(store.Member) bool) (store.Member, error) {
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
	it, err := s.getItem(ctx, "get member", memberKey(id))
	if err != nil {
		return store.Member{}, nil, err
	}
	m, err := decodeMember(it)
	return m, it, err
}

// UpdateMember implements store.Members as compare-and-swap on the version
// attribute: the write is conditioned on the version read, and lost races are
// re-read and re-applied. When the email or employee number changes, the old
// index item is deleted and the new one claimed in the same transaction.
func (s *Store) UpdateMember(ctx context.Context, id string, update func(old store.Member) (store.Member, error)) (store.Member, error) {
	for attempt := 1; ; attempt++ {
		old, _, err := s.getMember(ctx, id)
		if err != nil {
			return store.Member{}, fmt.Errorf("update member: %w", err)
		}
		next, err := update(cloneMember(old))
		if err != nil {
			return store.Member{}, fmt.Errorf("update member: %w", err)
		}
		updated, err := store.ApplyUpdate(old, next, s.now())
		if err != nil {
			return store.Member{}, fmt.Errorf("update member: %w", err)
		}
		err = s.replaceMember(ctx, "update member", &old, updated)
		if !errors.Is(err, errVersionChanged) {
			if err != nil {
				return store.Member{}, fmt.Errorf("update member: %w", err)
			}
			return updated, nil
		}
		// Someone else wrote first: wait a little, growing with the number of
		// lost races, so a crowd of writers spreads out instead of colliding again.
		if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
			return store.Member{}, fmt.Errorf("update member: %w", err)
		}
	}
}

// errVersionChanged means the member item was not at the version read.
var errVersionChanged = errors.New("member changed concurrently")

// replaceMember writes m over old (nil: there is no member with m.ID yet),
// moving the unique index items that changed. It returns errVersionChanged if
// the stored member is no longer old.
func (s *Store) replaceMember(ctx context.Context, op string, old *store.Member, m store.Member) error {
	put := ddb.Put{TableName: &s.table, Item: memberItem(m)}
	if old == nil {
		put.ConditionExpression = aws.String("attribute_not_exists(PK)")
	} else {
		put.ConditionExpression = aws.String("#v = :v")
		put.ExpressionAttributeNames = map[string]string{"#v": "version"}
		put.ExpressionAttributeValues = item{":v": num(old.Version)}
	}
	writes := []ddb.TransactWriteItem{{Put: &put}}
	fields := []string{""}
	claim := func(k item, typ, field string) {
		// The item may already be this member's (an import of the same record).
		writes = append(writes, ddb.TransactWriteItem{Put: &ddb.Put{
			TableName:                 &s.table,
			Item:                      memberIndexItem(k, typ, m.ID),
			ConditionExpression:       aws.String("attribute_not_exists(PK) OR member_id = :id"),
			ExpressionAttributeValues: item{":id": str(m.ID)},
		}})
		fields = append(fields, field)
	}
	release := func(k item) {
		writes = append(writes, ddb.TransactWriteItem{Delete: &ddb.Delete{
			TableName:                 &s.table,
			Key:                       k,
			ConditionExpression:       aws.String("attribute_not_exists(PK) OR member_id = :id"),
			ExpressionAttributeValues: item{":id": str(m.ID)},
		}})
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
			writes = append(writes, ddb.TransactWriteItem{Put: &ddb.Put{TableName: &s.table, Item: roleIndexItem(r, m.ID)}})
			fields = append(fields, "")
		}
	}
	for _, r := range oldRoles {
		if !slices.Contains(m.Roles, r) {
			writes = append(writes, ddb.TransactWriteItem{Delete: &ddb.Delete{TableName: &s.table, Key: roleKey(r, m.ID)}})
			fields = append(fields, "")
		}
	}
	if len(writes) == 1 {
		// Nothing unique moved: one conditional PutItem costs half a transaction.
		_, err := call(ctx, s, op, func(ctx context.Context) (*ddb.PutItemOutput, error) {
			return s.client.PutItem(ctx, &ddb.PutItemInput{
				TableName: put.TableName, Item: put.Item, ConditionExpression: put.ConditionExpression,
				ExpressionAttributeNames: put.ExpressionAttributeNames, ExpressionAttributeValues: put.ExpressionAttributeValues,
			})
		})
		if _, failed := conditionFailed(err); failed {
			return errVersionChanged
		}
		return err
	}
	err := s.transact(ctx, op, writes)
	if failed, ok := canceledAt(err); ok && failed[0] {
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
	q := &ddb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(IndexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :p"),
		ExpressionAttributeValues: item{":p": str(statusPartition(status))},
	}
	items, cursor, err := s.queryPage(ctx, "list members", q, page, AttrGSI1PK, statusPartition(status), AttrPK, AttrSK, AttrGSI1PK, AttrGSI1SK)
	if err != nil {
		return nil, "", fmt.Errorf("list members: %w", err)
	}
	out := make([]store.Member, 0, len(items))
	for _, it := range items {
		m, err := decodeMember(it)
		if err != nil {
			return nil, "", fmt.Errorf("list members: %w", err)
		}
		out = append(out, m)
	}
	return out, cursor, nil
}

// ListMembersByRole implements store.Members: a consistent Query of the
// ROLE#<role> partition, whose items name the members, then each member.
func (s *Store) ListMembersByRole(ctx context.Context, role store.Role) ([]store.Member, error) {
	q := &ddb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PK = :p"),
		ExpressionAttributeValues: item{":p": str(rolePartition(role))},
		ConsistentRead:            aws.Bool(true),
	}
	var out []store.Member
	for {
		page, err := call(ctx, s, "list members by role", func(ctx context.Context) (*ddb.QueryOutput, error) {
			return s.client.Query(ctx, q)
		})
		if err != nil {
			return nil, fmt.Errorf("list members by role: %w", err)
		}
		for _, it := range page.Items {
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
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		q.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// DeleteMember implements store.Members: the member item (at the version
// read) and its index items go in one transaction.
func (s *Store) DeleteMember(ctx context.Context, id string) error {
	for attempt := 1; ; attempt++ {
		old, _, err := s.getMember(ctx, id)
		if err != nil {
			return fmt.Errorf("delete member: %w", err)
		}
		owned := aws.String("attribute_not_exists(PK) OR member_id = :id")
		writes := []ddb.TransactWriteItem{
			{Delete: &ddb.Delete{
				TableName: &s.table, Key: memberKey(id),
				ConditionExpression:       aws.String("#v = :v"),
				ExpressionAttributeNames:  map[string]string{"#v": "version"},
				ExpressionAttributeValues: item{":v": num(old.Version)},
			}},
			{Delete: &ddb.Delete{
				TableName: &s.table, Key: emailKey(old.Email),
				ConditionExpression: owned, ExpressionAttributeValues: item{":id": str(id)},
			}},
		}
		if old.EmployeeNumber != "" {
			writes = append(writes, ddb.TransactWriteItem{Delete: &ddb.Delete{
				TableName: &s.table, Key: numberKey(old.EmployeeNumber),
				ConditionExpression: owned, ExpressionAttributeValues: item{":id": str(id)},
			}})
		}
		for _, r := range old.Roles {
			writes = append(writes, ddb.TransactWriteItem{Delete: &ddb.Delete{TableName: &s.table, Key: roleKey(r, id)}})
		}
		err = s.transact(ctx, "delete member", writes)
		if failed, ok := canceledAt(err); ok && failed[0] {
			if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
				return fmt.Errorf("delete member: %w", err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("delete member: %w", err)
		}
		return nil
	}
}

func cloneMember(m store.Member) store.Member {
	m.Consents = maps.Clone(m.Consents)
	m.Roles = slices.Clone(m.Roles)
	return m
}

// ---- shared request shapes

// getItem is a strongly consistent GetItem; ErrNotFound if there is no item.
func (s *Store) getItem(ctx context.Context, op string, k item) (item, error) {
	out, err := call(ctx, s, op, func(ctx context.Context) (*ddb.GetItemOutput, error) {
		return s.client.GetItem(ctx, &ddb.GetItemInput{TableName: &s.table, Key: k, ConsistentRead: aws.Bool(true)})
	})
	if err != nil {
		return nil, err
	}
	if len(out.Item) == 0 {
		return nil, store.ErrNotFound
	}
	return out.Item, nil
}

// putIfAbsent is a transaction Put that fails if the key is taken.
func (s *Store) putIfAbsent(it item) ddb.TransactWriteItem {
	return ddb.TransactWriteItem{Put: &ddb.Put{
		TableName:           &s.table,
		Item:                it,
		ConditionExpression: aws.String("attribute_not_exists(PK)"),
	}}
}

// transact runs TransactWriteItems under the retry policy. One client request
// token serves every attempt, so an attempt that was applied but whose answer
// was lost is not applied again (DynamoDB remembers tokens for 10 minutes).
func (s *Store) transact(ctx context.Context, op string, writes []ddb.TransactWriteItem) error {
	token := store.NewID()
	_, err := call(ctx, s, op, func(ctx context.Context) (*ddb.TransactWriteItemsOutput, error) {
		return s.client.TransactWriteItems(ctx, &ddb.TransactWriteItemsInput{
			TransactItems:      writes,
			ClientRequestToken: &token,
		})
	})
	return err
}

// conflictOf turns a transaction cancelled by a failed condition into the
// store's error: a *store.ConflictError naming fields[i] for the first failed
// item i that has a field, ErrPrecondition otherwise. Other errors pass through.
func conflictOf(err error, fields []string) error {
	failed, ok := canceledAt(err)
	if !ok {
		return err
	}
	for i, f := range failed {
		if f && i < len(fields) && fields[i] != "" {
			return &store.ConflictError{Field: fields[i]}
		}
	}
	return fmt.Errorf("%w: %w", store.ErrPrecondition, err)
}

// queryPage runs q until it has one item more than the page size (or the
// end), so the cursor is returned only when another page exists. The cursor
// holds the key attributes keyNames of the page's last item.
func (s *Store) queryPage(ctx context.Context, op string, q *ddb.QueryInput, page store.Page, partitionAttr, partition string, keyNames ...string) ([]item, string, error) {
	size := page.Size()
	if page.Cursor != "" {
		start, err := decodeCursor(page.Cursor, partitionAttr, partition, keyNames...)
		if err != nil {
			return nil, "", err
		}
		q.ExclusiveStartKey = start
	}
	q.Limit = aws.Int32(int32(size + 1))
	var items []item
	for {
		out, err := call(ctx, s, op, func(ctx context.Context) (*ddb.QueryOutput, error) {
			return s.client.Query(ctx, q)
		})
		if err != nil {
			return nil, "", err
		}
		items = append(items, out.Items...)
		if len(items) > size {
			return items[:size], encodeCursor(items[size-1], keyNames...), nil
		}
		if len(out.LastEvaluatedKey) == 0 {
			return items, "", nil
		}
		q.ExclusiveStartKey = out.LastEvaluatedKey
		q.Limit = aws.Int32(int32(size + 1 - len(items)))
	}
}
