package knee

import "math"

// Fit is a least-squares line y = Intercept + Slope·x over N points, and
// its coefficient of determination R² (1: every point on the line; 0: the
// line explains nothing). With fewer than two distinct x, Slope and R² are
// NaN.
type Fit struct {
	Slope, Intercept, R2 float64
	N                    int
}

// Valid says whether the fit has a slope.
func (f Fit) Valid() bool { return f.N >= 2 && !math.IsNaN(f.Slope) }

// LeastSquares fits y against x (ordinary least squares).
func LeastSquares(x, y []float64) Fit {
	n := min(len(x), len(y))
	f := Fit{N: n, Slope: math.NaN(), R2: math.NaN()}
	if n == 0 {
		return f
	}
	var mx, my float64
	for i := range n {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(n)
	my /= float64(n)
	var sxx, sxy, syy float64
	for i := range n {
		dx, dy := x[i]-mx, y[i]-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	f.Intercept = my
	if sxx == 0 {
		return f
	}
	f.Slope = sxy / sxx
	f.Intercept = my - f.Slope*mx
	if syy == 0 {
		f.R2 = 1 // every y equal: the flat line fits exactly
	} else {
		f.R2 = sxy * sxy / (sxx * syy)
	}
	return f
}
