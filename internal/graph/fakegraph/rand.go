package fakegraph

import "time"

// rng is splitmix64: tiny, allocation-free and stable across Go releases, so
// a seed gives the same tenant forever (math/rand makes no such promise for
// every generator). Each item seeds its own rng from (seed, kind, index),
// which is what lets item i be computed without items 0..i-1.
type rng struct{ s uint64 }

// kinds keep the streams of different collections apart.
const (
	kindTenant uint64 = iota + 1
	kindUser
	kindUserID
	kindRequestID
	kindRegistration
	kindRisky
	kindRiskyBlock
	kindDevice
	kindDeviceBlock
	kindDeleted
	kindDeletedID
)

func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

func newRNG(seed int64, kind uint64, i int) rng {
	return rng{mix(mix(uint64(seed)^kind*0x9e3779b97f4a7c15) + uint64(i))}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix(r.s)
}

// intn returns a number in [0, n).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// chance is true with probability percent/100.
func (r *rng) chance(percent int) bool { return r.intn(100) < percent }

// weighted picks an index with the given relative weights.
func (r *rng) weighted(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.intn(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// duration returns a duration in [lo, hi] with second precision, so that
// times in directory objects have Graph's whole-second form.
func (r *rng) duration(lo, hi time.Duration) time.Duration {
	span := int64((hi - lo) / time.Second)
	return lo + time.Duration(r.intn(int(span)+1))*time.Second
}

// guid formats the next 128 random bits as a version 4 GUID, Entra's object
// id form.
func (r *rng) guid() string {
	var s [36]byte
	return string(r.appendGUID(s[:0]))
}

// appendGUID appends a GUID without making a string of it.
func (r *rng) appendGUID(dst []byte) []byte {
	var b [16]byte
	a, c := r.next(), r.next()
	for i := range 8 {
		b[i], b[8+i] = byte(a>>(8*i)), byte(c>>(8*i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	for i, v := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigit(v>>4), hexDigit(v&0xf))
	}
	return dst
}

// pick returns an element of list.
func pick[T any](r *rng, list []T) T { return list[r.intn(len(list))] }
