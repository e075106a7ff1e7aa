package postgres

// The queries of sign-in state, for the tests that EXPLAIN them.
const (
	QAssignmentsOfUser = qAssignmentsOfUser
	QTouchSession      = qTouchSession
	QTokenUser         = qTokenUser
	QListTokens        = qListTokens
)
