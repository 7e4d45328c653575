package postgis

import "time"

// stepTimer, when set (by the benchmarks), hears how long each step of an
// import or re-join took.
var stepTimer func(step string, took time.Duration)

// timeStep starts timing step; call the result when it is done.
func timeStep(step string) func() {
	if stepTimer == nil {
		return func() {}
	}
	start := time.Now()
	return func() { stepTimer(step, time.Since(start)) }
}
