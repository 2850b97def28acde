/*
 * calib_fit.c - nonlinear least squares for `usnsim calibrate fit`, and
 * the CSV of measurements it reads.
 *
 * The solver is GSL's gsl_multifit_nlinear with the trust-region method
 * (Levenberg-Marquardt steps, parameters scaled by the Jacobian's columns,
 * More's scaling) and the model's own Jacobian. At the solution the
 * covariance of the estimates is (J'J)^-1 s^2, with s^2 = SSR / (n - p)
 * the residual variance (homoscedastic, independent errors: the usual
 * assumption of least squares); a 95% interval is the estimate +/-
 * t(0.975, n - p) x its standard error (Student t, since s is estimated).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_multifit_nlinear.h>

#include "calib.h"
#include "errmsg.h"

/* The solver sees the q fitted parameters; idx[j] is the model's index
 * of the j-th, and full[] holds the held ones. */
struct fit_data {
	const struct calib_model *m;
	const double *x, *y;
	size_t n, q;
	size_t idx[CALIB_MAX_PARAMS];
	double full[CALIB_MAX_PARAMS];
};

static const double *fit_full(struct fit_data *d, const gsl_vector *th)
{
	for (size_t j = 0; j < d->q; j++)
		d->full[d->idx[j]] = gsl_vector_get(th, j);
	return d->full;
}

static int fit_f(const gsl_vector *th, void *arg, gsl_vector *f)
{
	struct fit_data *d = arg;
	const double *t = fit_full(d, th);

	for (size_t i = 0; i < d->n; i++)
		gsl_vector_set(f, i, d->m->f(t, d->x[i], d->m->arg) - d->y[i]);
	return GSL_SUCCESS;
}

static int fit_df(const gsl_vector *th, void *arg, gsl_matrix *J)
{
	struct fit_data *d = arg;
	const double *t = fit_full(d, th);
	double g[CALIB_MAX_PARAMS];

	for (size_t i = 0; i < d->n; i++) {
		d->m->df(t, d->x[i], g, d->m->arg);
		for (size_t j = 0; j < d->q; j++)
			gsl_matrix_set(J, i, j, g[d->idx[j]]);
	}
	return GSL_SUCCESS;
}

/* Standard errors, intervals, sigma and R^2 from the solved workspace. */
static int fit_stats(gsl_multifit_nlinear_workspace *w, struct fit_data *d,
		     struct calib_fit *out, double *resid, char *err,
		     size_t errlen)
{
	size_t p = d->q;
	gsl_matrix *cov = gsl_matrix_alloc(p, p);
	gsl_vector *r = gsl_multifit_nlinear_residual(w);
	double ssr = 0, mean = 0, sst = 0, t;
	int rc = 0;

	if (!cov)
		return errmsg(err, errlen, "out of memory"), -ENOMEM;
	gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(w), 0.0, cov);
	for (size_t i = 0; i < d->n; i++) {
		double ri = gsl_vector_get(r, i);

		ssr += ri * ri;
		mean += d->y[i] / (double)d->n;
		if (resid)
			resid[i] = -ri;
	}
	for (size_t i = 0; i < d->n; i++)
		sst += (d->y[i] - mean) * (d->y[i] - mean);
	out->dof = d->n - p;
	fit_full(d, w->x);
	memcpy(out->theta, d->full, d->m->p * sizeof(double));
	out->sigma = sqrt(ssr / (double)out->dof);
	out->r2 = sst > 0 ? 1 - ssr / sst : 1;
	t = gsl_cdf_tdist_Pinv(0.975, (double)out->dof);
	for (size_t k = 0; k < d->m->p; k++)
		out->lo[k] = out->hi[k] = out->theta[k];
	for (size_t j = 0; j < p; j++) {
		double c = gsl_matrix_get(cov, j, j);
		size_t k = d->idx[j];

		if (!(c > 0) || !isfinite(c)) {
			errmsg(err, errlen,
			       "%s: %s is not determined by the data (its column of the Jacobian is zero or a combination of the others): measure more sizes, or hold it",
			       d->m->name, d->m->names[k]);
			rc = -EINVAL;
			break;
		}
		out->se[k] = sqrt(c) * out->sigma;
		out->lo[k] = out->theta[k] - t * out->se[k];
		out->hi[k] = out->theta[k] + t * out->se[k];
	}
	gsl_matrix_free(cov);
	return rc;
}

int calib_fit_run(const struct calib_model *m, const double *x, const double *y,
		  size_t n, const double *theta0, struct calib_fit *out,
		  double *resid, char *err, size_t errlen)
{
	struct fit_data d = { .m = m, .x = x, .y = y, .n = n };
	gsl_multifit_nlinear_parameters par =
		gsl_multifit_nlinear_default_parameters();
	gsl_multifit_nlinear_fdf fdf = { 0 };
	gsl_multifit_nlinear_workspace *w;
	double start[CALIB_MAX_PARAMS];
	gsl_vector_view th0;
	int info = 0, rc, st;

	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < m->p && k < CALIB_MAX_PARAMS; k++) {
		d.full[k] = theta0[k];
		if (!(m->held >> k & 1)) {
			start[d.q] = theta0[k];
			d.idx[d.q++] = k;
		}
	}
	if (m->p > CALIB_MAX_PARAMS || d.q == 0 || n <= d.q) {
		errmsg(err, errlen,
		       "%s: %zu measurements for %zu fitted parameters: need more measurements than parameters, and one parameter at least",
		       m->name, n, d.q);
		return -EINVAL;
	}
	th0 = gsl_vector_view_array(start, d.q);
	fdf.f = fit_f;
	fdf.df = fit_df;
	fdf.n = n;
	fdf.p = d.q;
	fdf.params = &d;
	par.trs = gsl_multifit_nlinear_trs_lm;
	w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, n,
				       d.q);
	if (!w)
		return errmsg(err, errlen, "out of memory"), -ENOMEM;
	st = gsl_multifit_nlinear_init(&th0.vector, &fdf, w);
	if (!st)
		st = gsl_multifit_nlinear_driver(200, 1e-10, 1e-10, 1e-10, NULL,
						 NULL, &info, w);
	out->iterations = gsl_multifit_nlinear_niter(w);
	if (st) {
		errmsg(err, errlen,
		       "%s: the fit did not converge (%s, after %zu iterations): do the measurements follow the model?",
		       m->name, gsl_strerror(st), out->iterations);
		rc = -EINVAL;
	} else
		rc = fit_stats(w, &d, out, resid, err, errlen);
	gsl_multifit_nlinear_free(w);
	return rc;
}

/* One data line "a,b" (spaces allowed); 0 or -EINVAL. */
static int csv_pair(char *line, double *a, double *b)
{
	char *end;

	*a = strtod(line, &end);
	if (end == line)
		return -EINVAL;
	end += strspn(end, " \t");
	if (*end != ',')
		return -EINVAL;
	line = end + 1;
	*b = strtod(line, &end);
	if (end == line)
		return -EINVAL;
	end += strspn(end, " \t\r\n");
	return *end || !isfinite(*a) || !isfinite(*b) ? -EINVAL : 0;
}

/* The header's y unit: its factor to ns, or 0 if the header is not
 * "NAME_XUNIT,NAME_YUNIT" with YUNIT ps, ns or us. */
static double csv_header(const char *line, const char *xunit)
{
	static const struct {
		const char *unit;
		double ns;
	} ys[] = { { "_ps", 1e-3 }, { "_ns", 1 }, { "_us", 1e3 } };
	const char *comma = strchr(line, ',');
	size_t xl = strlen(xunit), yl;
	char want[32];

	snprintf(want, sizeof(want), "_%s", xunit);
	if (!comma || (size_t)(comma - line) <= xl + 1 ||
	    strncmp(comma - xl - 1, want, xl + 1))
		return 0;
	yl = strcspn(comma + 1, " \t\r\n");
	for (size_t i = 0; i < sizeof(ys) / sizeof(ys[0]); i++)
		if (yl > 3 && !strncmp(comma + 1 + yl - 3, ys[i].unit, 3) &&
		    !comma[1 + yl + strspn(comma + 1 + yl, " \t\r\n")])
			return ys[i].ns;
	return 0;
}

/* Adds (a, b) to the growing arrays; 0 or -ENOMEM. */
static int csv_push(double **x, double **y, size_t *n, size_t *cap, double a,
		    double b)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		double *nx = realloc(*x, c * sizeof(**x));

		if (!nx)
			return -ENOMEM;
		*x = nx;
		nx = realloc(*y, c * sizeof(**y));
		if (!nx)
			return -ENOMEM;
		*y = nx;
		*cap = c;
	}
	(*x)[*n] = a;
	(*y)[(*n)++] = b;
	return 0;
}

int calib_csv_read(const char *path, const char *xunit, double **x, double **y,
		   size_t *n, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t lineno = 0, cap = 0;
	double yscale = 0, a, b;
	int rc = 0;

	*x = *y = NULL;
	*n = 0;
	if (!f) {
		rc = -errno;
		errmsg(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	while (!rc && fgets(line, sizeof(line), f)) {
		char *s = line + strspn(line, " \t");

		lineno++;
		if (*s == '#' || *s == '\n' || *s == '\r' || !*s)
			continue;
		if (!yscale) {
			yscale = csv_header(s, xunit);
			if (!yscale) {
				errmsg(err, errlen,
				       "%s:%zu: expected the header size_%s,latency_ns (the x column in %s; y in ps, ns or us)",
				       path, lineno, xunit, xunit);
				rc = -EINVAL;
			}
			continue;
		}
		if (csv_pair(s, &a, &b) || a < 0 || b < 0) {
			s[strcspn(s, "\r\n")] = '\0';
			errmsg(err, errlen,
			       "%s:%zu: expected two non-negative numbers separated by a comma, got '%.60s'",
			       path, lineno, s);
			rc = -EINVAL;
		} else if (csv_push(x, y, n, &cap, a, b * yscale)) {
			errmsg(err, errlen, "%s: out of memory", path);
			rc = -ENOMEM;
		}
	}
	fclose(f);
	if (!rc && !yscale) {
		errmsg(err, errlen, "%s:%zu: no header and no measurements",
		       path, lineno ? lineno : 1);
		rc = -EINVAL;
	}
	if (rc) {
		free(*x);
		free(*y);
		*x = *y = NULL;
		*n = 0;
	}
	return rc;
}
