package sdpplus

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// A minimal, safe pickle machine for torch.save checkpoints. It executes
// no code: the only globals it accepts are the constructors a state dict
// needs (collections.OrderedDict, torch._utils._rebuild_tensor_v2 and
// _rebuild_parameter) and the storage type markers; the only opcodes are
// those protocol 2 (torch's default) emits for nested dicts of tensors,
// plus the few protocol-4 framing opcodes. Everything else is refused
// with an error naming the opcode or global. Sizes are bounded by the
// input: every length is checked against the bytes left, and the stack
// and memo are capped.

// Pickle values.
type (
	pyTuple  []any
	pyList   struct{ items []any }
	pyGlobal struct{ module, name string }
	pyMark   struct{}
	pyDict   struct {
		keys  []any
		vals  []any
		index map[any]int
	}
	// pyStorage is a persistent-id storage reference.
	pyStorage struct {
		dtype string // FloatStorage, HalfStorage, …
		key   string
		numel int64
	}
	// pyTensor is a rebuilt tensor view on a storage.
	pyTensor struct {
		storage *pyStorage
		offset  int64
		size    []int64
		stride  []int64
	}
)

func newDict() *pyDict { return &pyDict{index: map[any]int{}} }

func (d *pyDict) set(k, v any) error {
	switch k.(type) {
	case string, int64, bool, nil:
	default:
		return fmt.Errorf("dict key of type %s is not supported", pyType(k))
	}
	if i, ok := d.index[k]; ok {
		d.vals[i] = v
		return nil
	}
	d.index[k] = len(d.keys)
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
	return nil
}

func (d *pyDict) get(k string) (any, bool) {
	i, ok := d.index[k]
	if !ok {
		return nil, false
	}
	return d.vals[i], true
}

func (d *pyDict) stringKeys() []string {
	var s []string
	for _, k := range d.keys {
		s = append(s, fmt.Sprint(k))
	}
	return s
}

func pyType(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case pyTuple:
		return "tuple"
	case *pyList:
		return "list"
	case *pyDict:
		return "dict"
	case pyGlobal:
		return "global " + v.module + "." + v.name
	case *pyStorage:
		return "storage"
	case *pyTensor:
		return "tensor"
	case pyMark:
		return "mark"
	}
	return fmt.Sprintf("%T", v)
}

// Limits of the machine.
const (
	maxPickle    = 64 << 20 // bytes of data.pkl
	maxStack     = 1 << 20  // stack entries
	maxMemo      = 1 << 20  // memo entries
	maxTensorDim = 8
)

// storageTypes are the accepted storage classes and their element sizes.
var storageTypes = map[string]int{
	"FloatStorage":    4,
	"HalfStorage":     2,
	"BFloat16Storage": 2,
	"DoubleStorage":   8,
}

func allowedGlobal(module, name string) bool {
	switch module + "." + name {
	case "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter":
		return true
	}
	if module == "torch" {
		_, ok := storageTypes[name]
		return ok
	}
	return false
}

type unpickler struct {
	data    []byte
	pos     int
	stack   []any
	marks   []int
	memo    map[uint32]any
	storage map[string]*pyStorage // persistent id → storage, shared by key
}

func (u *unpickler) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: pickle (offset %d): %s", ErrHead, u.pos, fmt.Sprintf(format, args...))
}

func (u *unpickler) need(n int) ([]byte, error) {
	if n < 0 || n > len(u.data)-u.pos {
		return nil, u.errorf("truncated: %d bytes needed, %d left", n, len(u.data)-u.pos)
	}
	b := u.data[u.pos : u.pos+n]
	u.pos += n
	return b, nil
}

func (u *unpickler) push(v any) error {
	if len(u.stack) >= maxStack {
		return u.errorf("stack deeper than %d", maxStack)
	}
	u.stack = append(u.stack, v)
	return nil
}

func (u *unpickler) pop() (any, error) {
	if len(u.stack) == 0 || (len(u.marks) > 0 && len(u.stack) <= u.marks[len(u.marks)-1]) {
		return nil, u.errorf("stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	if len(u.stack) == 0 || (len(u.marks) > 0 && len(u.stack) <= u.marks[len(u.marks)-1]) {
		return nil, u.errorf("stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

// popMark pops everything above the last MARK.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, u.errorf("no MARK on the stack")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

func (u *unpickler) line() (string, error) {
	i := strings.IndexByte(string(u.data[u.pos:min(len(u.data), u.pos+256)]), '\n')
	if i < 0 {
		return "", u.errorf("GLOBAL name too long or unterminated")
	}
	s := string(u.data[u.pos : u.pos+i])
	u.pos += i + 1
	return s, nil
}

func (u *unpickler) memoPut(i uint32) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	if _, ok := u.memo[i]; !ok && len(u.memo) >= maxMemo {
		return u.errorf("memo larger than %d", maxMemo)
	}
	u.memo[i] = v
	return nil
}

func (u *unpickler) memoGet(i uint32) error {
	v, ok := u.memo[i]
	if !ok {
		return u.errorf("memo key %d not defined", i)
	}
	return u.push(v)
}

func asInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func intTuple(v any, what string) ([]int64, error) {
	t, ok := v.(pyTuple)
	if !ok {
		return nil, fmt.Errorf("%s is a %s, not a tuple", what, pyType(v))
	}
	if len(t) > maxTensorDim {
		return nil, fmt.Errorf("%s has %d dimensions (at most %d)", what, len(t), maxTensorDim)
	}
	out := make([]int64, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return nil, fmt.Errorf("%s[%d] is not a non-negative int", what, i)
		}
		out[i] = n
	}
	return out, nil
}

// persistentLoad resolves ('storage', storage_type, key, location, numel).
func (u *unpickler) persistentLoad(pid any) (any, error) {
	t, ok := pid.(pyTuple)
	if !ok || len(t) < 5 {
		return nil, u.errorf("persistent id is a %s, expected ('storage', type, key, location, numel)", pyType(pid))
	}
	if s, _ := t[0].(string); s != "storage" {
		return nil, u.errorf("persistent id kind %v is not 'storage'", t[0])
	}
	g, ok := t[1].(pyGlobal)
	if !ok || g.module != "torch" {
		return nil, u.errorf("storage type is a %s, expected torch.<Type>Storage", pyType(t[1]))
	}
	if _, ok := storageTypes[g.name]; !ok {
		return nil, u.errorf("storage type torch.%s is not supported (FloatStorage, HalfStorage, BFloat16Storage, DoubleStorage)", g.name)
	}
	key, ok := t[2].(string)
	if !ok || key == "" || strings.ContainsAny(key, "/\\") || key == "." || key == ".." {
		return nil, u.errorf("bad storage key %v", t[2])
	}
	numel, ok := t[4].(int64)
	if !ok || numel < 0 {
		return nil, u.errorf("bad storage size %v", t[4])
	}
	if s, ok := u.storage[key]; ok {
		if s.dtype != g.name || s.numel != numel {
			return nil, u.errorf("storage %s is declared twice with different types or sizes", key)
		}
		return s, nil
	}
	s := &pyStorage{dtype: g.name, key: key, numel: numel}
	u.storage[key] = s
	return s, nil
}

func (u *unpickler) reduce(fn, args any) (any, error) {
	g, ok := fn.(pyGlobal)
	if !ok {
		return nil, u.errorf("REDUCE on a %s, expected a whitelisted global", pyType(fn))
	}
	a, ok := args.(pyTuple)
	if !ok {
		return nil, u.errorf("REDUCE arguments are a %s, not a tuple", pyType(args))
	}
	switch g.module + "." + g.name {
	case "collections.OrderedDict":
		if len(a) != 0 {
			return nil, u.errorf("OrderedDict with %d constructor arguments is not supported", len(a))
		}
		return newDict(), nil
	case "torch._utils._rebuild_tensor_v2":
		// (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
		if len(a) < 6 || len(a) > 7 {
			return nil, u.errorf("_rebuild_tensor_v2 with %d arguments", len(a))
		}
		s, ok := a[0].(*pyStorage)
		if !ok {
			return nil, u.errorf("_rebuild_tensor_v2: storage is a %s", pyType(a[0]))
		}
		off, ok := a[1].(int64)
		if !ok || off < 0 {
			return nil, u.errorf("_rebuild_tensor_v2: bad storage offset %v", a[1])
		}
		size, err := intTuple(a[2], "size")
		if err != nil {
			return nil, u.errorf("_rebuild_tensor_v2: %v", err)
		}
		stride, err := intTuple(a[3], "stride")
		if err != nil {
			return nil, u.errorf("_rebuild_tensor_v2: %v", err)
		}
		if len(size) != len(stride) {
			return nil, u.errorf("_rebuild_tensor_v2: size %v and stride %v differ in rank", size, stride)
		}
		return &pyTensor{storage: s, offset: off, size: size, stride: stride}, nil
	case "torch._utils._rebuild_parameter":
		// (data, requires_grad, backward_hooks): the parameter's data
		if len(a) != 3 {
			return nil, u.errorf("_rebuild_parameter with %d arguments", len(a))
		}
		if _, ok := a[0].(*pyTensor); !ok {
			return nil, u.errorf("_rebuild_parameter of a %s", pyType(a[0]))
		}
		return a[0], nil
	}
	return nil, u.errorf("%s.%s cannot be called", g.module, g.name)
}

// unpickle runs the machine and returns the object STOP leaves.
func unpickle(data []byte) (any, map[string]*pyStorage, error) {
	if len(data) > maxPickle {
		return nil, nil, fmt.Errorf("%w: data.pkl is %d bytes (at most %d)", ErrHead, len(data), maxPickle)
	}
	u := &unpickler{data: data, memo: map[uint32]any{}, storage: map[string]*pyStorage{}}
	for {
		if u.pos >= len(u.data) {
			return nil, nil, u.errorf("no STOP opcode (truncated pickle)")
		}
		op := u.data[u.pos]
		u.pos++
		var err error
		switch op {
		case 0x80: // PROTO
			var b []byte
			if b, err = u.need(1); err == nil && (b[0] < 2 || b[0] > 5) {
				err = u.errorf("pickle protocol %d is not supported", b[0])
			}
		case 0x95: // FRAME (protocol 4): an 8-byte length, framing only
			_, err = u.need(8)
		case '.': // STOP
			v, err := u.pop()
			if err != nil {
				return nil, nil, err
			}
			return v, u.storage, nil
		case '(': // MARK
			u.marks = append(u.marks, len(u.stack))
			if len(u.marks) > maxStack {
				err = u.errorf("too many MARKs")
			}
		case '}': // EMPTY_DICT
			err = u.push(newDict())
		case ']': // EMPTY_LIST
			err = u.push(&pyList{})
		case ')': // EMPTY_TUPLE
			err = u.push(pyTuple{})
		case 'N': // NONE
			err = u.push(nil)
		case 0x88: // NEWTRUE
			err = u.push(true)
		case 0x89: // NEWFALSE
			err = u.push(false)
		case 'K': // BININT1
			var b []byte
			if b, err = u.need(1); err == nil {
				err = u.push(int64(b[0]))
			}
		case 'M': // BININT2
			var b []byte
			if b, err = u.need(2); err == nil {
				err = u.push(int64(binary.LittleEndian.Uint16(b)))
			}
		case 'J': // BININT
			var b []byte
			if b, err = u.need(4); err == nil {
				err = u.push(int64(int32(binary.LittleEndian.Uint32(b))))
			}
		case 0x8a: // LONG1
			var b []byte
			if b, err = u.need(1); err != nil {
				break
			}
			n := int(b[0])
			if n > 8 {
				err = u.errorf("LONG1 of %d bytes is too large", n)
				break
			}
			if b, err = u.need(n); err != nil {
				break
			}
			var v uint64
			for i := n - 1; i >= 0; i-- {
				v = v<<8 | uint64(b[i])
			}
			if n > 0 && n < 8 && b[n-1]&0x80 != 0 { // sign-extend
				v |= ^uint64(0) << (8 * uint(n))
			}
			err = u.push(int64(v))
		case 'G': // BINFLOAT (big-endian float64)
			var b []byte
			if b, err = u.need(8); err == nil {
				err = u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
			}
		case 'X', 0x8c: // BINUNICODE, SHORT_BINUNICODE
			var b []byte
			n := 0
			if op == 'X' {
				if b, err = u.need(4); err != nil {
					break
				}
				n64 := binary.LittleEndian.Uint32(b)
				if int64(n64) > int64(len(u.data)-u.pos) {
					err = u.errorf("string of %d bytes is longer than the data left", n64)
					break
				}
				n = int(n64)
			} else {
				if b, err = u.need(1); err != nil {
					break
				}
				n = int(b[0])
			}
			if b, err = u.need(n); err == nil {
				err = u.push(string(b))
			}
		case 'c': // GLOBAL module\nname\n
			var mod, name string
			if mod, err = u.line(); err != nil {
				break
			}
			if name, err = u.line(); err != nil {
				break
			}
			if !allowedGlobal(mod, name) {
				err = u.errorf("global %s.%s is not allowed (only tensors in (Ordered)dicts can be imported; refusing anything that could run code)", mod, name)
				break
			}
			err = u.push(pyGlobal{mod, name})
		case 0x93: // STACK_GLOBAL
			var n, m any
			if n, err = u.pop(); err != nil {
				break
			}
			if m, err = u.pop(); err != nil {
				break
			}
			mod, ok1 := m.(string)
			name, ok2 := n.(string)
			if !ok1 || !ok2 {
				err = u.errorf("STACK_GLOBAL on non-strings")
				break
			}
			if !allowedGlobal(mod, name) {
				err = u.errorf("global %s.%s is not allowed (only tensors in (Ordered)dicts can be imported; refusing anything that could run code)", mod, name)
				break
			}
			err = u.push(pyGlobal{mod, name})
		case 'q': // BINPUT
			var b []byte
			if b, err = u.need(1); err == nil {
				err = u.memoPut(uint32(b[0]))
			}
		case 'r': // LONG_BINPUT
			var b []byte
			if b, err = u.need(4); err == nil {
				err = u.memoPut(binary.LittleEndian.Uint32(b))
			}
		case 0x94: // MEMOIZE
			err = u.memoPut(uint32(len(u.memo)))
		case 'h': // BINGET
			var b []byte
			if b, err = u.need(1); err == nil {
				err = u.memoGet(uint32(b[0]))
			}
		case 'j': // LONG_BINGET
			var b []byte
			if b, err = u.need(4); err == nil {
				err = u.memoGet(binary.LittleEndian.Uint32(b))
			}
		case 't': // TUPLE
			var items []any
			if items, err = u.popMark(); err == nil {
				err = u.push(pyTuple(items))
			}
		case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
			n := int(op - 0x84)
			t := make(pyTuple, n)
			for i := n - 1; i >= 0 && err == nil; i-- {
				t[i], err = u.pop()
			}
			if err == nil {
				err = u.push(t)
			}
		case 'Q': // BINPERSID
			var pid, v any
			if pid, err = u.pop(); err != nil {
				break
			}
			if v, err = u.persistentLoad(pid); err == nil {
				err = u.push(v)
			}
		case 'R': // REDUCE
			var fn, args, v any
			if args, err = u.pop(); err != nil {
				break
			}
			if fn, err = u.pop(); err != nil {
				break
			}
			if v, err = u.reduce(fn, args); err == nil {
				err = u.push(v)
			}
		case 's': // SETITEM
			var k, v, d any
			if v, err = u.pop(); err != nil {
				break
			}
			if k, err = u.pop(); err != nil {
				break
			}
			if d, err = u.top(); err != nil {
				break
			}
			dict, ok := d.(*pyDict)
			if !ok {
				err = u.errorf("SETITEM on a %s", pyType(d))
				break
			}
			if e := dict.set(k, v); e != nil {
				err = u.errorf("%v", e)
			}
		case 'u': // SETITEMS
			var items []any
			var d any
			if items, err = u.popMark(); err != nil {
				break
			}
			if d, err = u.top(); err != nil {
				break
			}
			dict, ok := d.(*pyDict)
			if !ok || len(items)%2 != 0 {
				err = u.errorf("SETITEMS on a %s with %d items", pyType(d), len(items))
				break
			}
			for i := 0; i < len(items) && err == nil; i += 2 {
				if e := dict.set(items[i], items[i+1]); e != nil {
					err = u.errorf("%v", e)
				}
			}
		case 'a': // APPEND
			var v, l any
			if v, err = u.pop(); err != nil {
				break
			}
			if l, err = u.top(); err != nil {
				break
			}
			list, ok := l.(*pyList)
			if !ok {
				err = u.errorf("APPEND on a %s", pyType(l))
				break
			}
			list.items = append(list.items, v)
		case 'e': // APPENDS
			var items []any
			var l any
			if items, err = u.popMark(); err != nil {
				break
			}
			if l, err = u.top(); err != nil {
				break
			}
			list, ok := l.(*pyList)
			if !ok {
				err = u.errorf("APPENDS on a %s", pyType(l))
				break
			}
			list.items = append(list.items, items...)
		case 'b': // BUILD: only attribute state on dicts (OrderedDict._metadata) is accepted, and ignored
			var state, obj any
			if state, err = u.pop(); err != nil {
				break
			}
			if obj, err = u.top(); err != nil {
				break
			}
			if _, ok := obj.(*pyDict); !ok {
				err = u.errorf("BUILD on a %s is not supported", pyType(obj))
				break
			}
			switch state.(type) {
			case *pyDict, nil:
			default:
				err = u.errorf("BUILD with %s state is not supported", pyType(state))
			}
		default:
			u.pos--
			return nil, nil, u.errorf("unsupported pickle opcode 0x%02x (%q): not a torch.save state dict this importer can read", op, rune(op))
		}
		if err != nil {
			return nil, nil, err
		}
	}
}
