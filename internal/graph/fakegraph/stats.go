package fakegraph

import "net/http"

// Stats counts what an endpoint was asked and how it answered.
type Stats struct {
	Requests    int // every request, whatever the answer
	OK          int // 200s: pages, tokens
	Throttled   int // 429s
	Unavailable int // 503s
	Failed      int // every other error answer, 401s included
}

func (a *Stats) add(b Stats) {
	a.Requests += b.Requests
	a.OK += b.OK
	a.Throttled += b.Throttled
	a.Unavailable += b.Unavailable
	a.Failed += b.Failed
}

// Stats returns e's counters; AllReads sums the six reads.
func (s *Server) Stats(e Endpoint) Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e != AllReads {
		return s.stats[e]
	}
	var sum Stats
	for _, r := range Reads {
		sum.add(s.stats[r])
	}
	return sum
}

// ResetStats zeroes every counter.
func (s *Server) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.stats)
}

func (s *Server) countRequest(e Endpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats[e]
	st.Requests++
	s.stats[e] = st
}

func (s *Server) countAnswer(e Endpoint, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats[e]
	switch status {
	case http.StatusOK:
		st.OK++
	case http.StatusTooManyRequests:
		st.Throttled++
	case http.StatusServiceUnavailable:
		st.Unavailable++
	default:
		st.Failed++
	}
	s.stats[e] = st
}
