# report.awk - the benchmark's table, the issue's targets and results.json.
#
# Reads the JSON lines run.sh collected (one flat object per line, written
# by pambench and run.sh).  A run repeated (interleaved with the other
# systems) counts by the median of its repetitions.  Prints per N a table
# of the systems side by side with kagi's ratios to each of them, the
# correctness runs, where kagi's time goes, FIDO2 (kagid's assertions
# verified per second against fido_assert_verify() alone), and the targets
# of issue 6;
# writes every record plus the target verdicts to the file in `out`.
# Variables: quick, elapsed, devlog, out, cpu, ncpu, load_start, load_end,
# gwonly (1: only the SSH gateway's figures and targets, run.sh --gateway).

function get(line, key,    re, v) {
	re = "\"" key "\":(\"[^\"]*\"|[-0-9.eE+]+|true|false|null)"
	if (!match(line, re))
		return ""
	v = substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
	gsub(/"/, "", v)
	return v
}

# Append v to the list under key (space-separated).
function add(arr, key, v) {
	if (v == "")
		return
	arr[key] = (key in arr) ? arr[key] " " v : v
}

# Median of a space-separated list of numbers; "" when empty.
function median(list,    a, n, i, j, t) {
	if (list == "")
		return ""
	n = split(list, a, " ")
	for (i = 1; i <= n; i++)
		a[i] += 0
	for (i = 1; i <= n; i++)
		for (j = i + 1; j <= n; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	if (n % 2)
		return a[(n + 1) / 2]
	return (a[n / 2] + a[n / 2 + 1]) / 2
}

function ratio(a, b) {
	if (a == "" || b == "" || b + 0 == 0)
		return "-"
	return sprintf("%.2f", a / b)
}

function fmt(v, f) {
	return v == "" ? "n/a" : sprintf(f, v)
}

function target(id, text, value, limit, met) {
	nt++
	tid[nt] = id
	ttext[nt] = text
	tval[nt] = value
	tlim[nt] = limit
	tmet[nt] = met
}

BEGIN {
	names["permit"] = "pam_permit"
	names["oath"] = "pam_oath"
	names["ga"] = "google-authenticator"
	names["kagi"] = "pam_kagi + kagid"
	nsys = split("permit oath ga kagi", sys, " ")
	nk = split("1 2 4 8", ks, " ")
	ndiag = split("kagi-ref kagi-jsonc kagi-deps kagi-staticjsonc kagi-fakekagid kagi-tmpfs", diag, " ")
}

{
	lines[++nl] = $0
	s = get($0, "system"); m = get($0, "mode"); n = get($0, "users")
	k = get($0, "clients")
	if (m == "bench") {
		key = s SUBSEP n SUBSEP k
		seen_n[n] = 1
		add(L_med, key, get($0, "median_us"))
		add(L_p99, key, get($0, "p99_us"))
		add(L_rate, key, get($0, "logins_per_s"))
		add(L_ccpu, key, get($0, "client_cpu_us_per_login"))
		add(L_added, key, get($0, "client_added_kb"))
		add(L_stack, key, get($0, "client_stack_kb"))
		refused[s SUBSEP n] += get($0, "auth_err") + get($0, "other_err")
	} else if (m == "kagid_cpu" && get($0, "of") == "bench") {
		add(L_kcpu, s SUBSEP n SUBSEP k, get($0, "kagid_cpu_us_per_login"))
	} else if (m == "memory") {
		hwm[n] = get($0, "vmhwm_kb") + 0
	} else if (m == "race") {
		race_dbl[s] = get($0, "double_accept_rounds") + 0
		race_none[s] = get($0, "rounds_none_accepted") + 0
		race_rounds[s] = get($0, "rounds") + 0
	} else if (m == "users") {
		users_ref[s] = get($0, "correct_refused") + 0
		users_rounds[s] = get($0, "rounds") + 0
	} else if (m == "wrong_recorded") {
		wrong_att[s] = get($0, "attempts") + 0
		wrong_rec[s] = get($0, "recorded")
	} else if (m == "syslog") {
		datagrams = get($0, "datagrams")
	} else if (m == "kagid_alone") {
		key = get($0, "requests_mode") SUBSEP k
		alone_rps[key] = get($0, "requests_per_s")
		alone_lps[key] = get($0, "logins_per_s")
		alone_err[key] = get($0, "errors") + get($0, "refused")
	} else if (m == "kagid_alone_cpu") {
		alone_cpu[get($0, "requests_mode") SUBSEP k] = \
		    get($0, "kagid_cpu_us_per_request")
	} else if (m == "fsync") {
		fsync_med[s] = get($0, "median_us")
	} else if (m == "fido2") {
		fido2_n = n
		add(F_rate, k, get($0, "verified_per_s"))
		add(F_ccpu, k, get($0, "client_cpu_us_per_assertion"))
		F_ref[k] += get($0, "refused")
		F_err[k] += get($0, "errors")
		F_ver[k] += get($0, "verified")
	} else if (m == "fido2_kagid_cpu") {
		add(F_kcpu, k, get($0, "kagid_cpu_us_per_assertion"))
	} else if (m == "store_bench") {
		key = s SUBSEP k
		seen_store[s] = 1
		add(S_rate, key, get($0, "granted_per_s"))
		add(S_p50, key, get($0, "p50_us"))
		add(S_p99, key, get($0, "p99_us"))
		add(S_kcpu, key, get($0, "kagid_cpu_us_per_login"))
		if (get($0, "pg_cpu_us_per_login") != "null")
			add(S_gcpu, key, get($0, "pg_cpu_us_per_login"))
		S_bad[key] += get($0, "errors") + get($0, "refused")
	} else if (m == "pg_server") {
		pg_ver = get($0, "version")
		pg_fsync = get($0, "fsync")
		pg_sync = get($0, "synchronous_commit")
		pg_err = get($0, "error")
	} else if (m == "fido2_verify_limit") {
		add(V_rate, k, get($0, "verified_per_s"))
		add(V_cpu, k, get($0, "client_cpu_us_per_assertion"))
		V_err += get($0, "errors")
	} else if (m == "authkeys" || m == "login") {
		# The gateway (bench/gateway.sh): one record per label and round.
		lb = get($0, "label"); rd = get($0, "round")
		G_mode[lb] = m
		if (get($0, "ok") + 0 > 0) {	# no figures from a round of failures
			add(G_p50, lb, get($0, "p50_ms"))
			add(G_p99, lb, get($0, "p99_ms"))
		}
		G_p50r[lb SUBSEP rd] = get($0, "p50_ms")
		G_p99r[lb SUBSEP rd] = get($0, "p99_ms")
		G_runs[lb] += get($0, "runs")
		G_ok[lb] += get($0, "ok")
		G_fail[lb] += get($0, "failed")
		if (rd + 0 > G_rounds)
			G_rounds = rd + 0
	} else if (m == "gateway_skipped") {
		gw_skip = get($0, "why")
	}
}

# Over the gateway's rounds, the median of (a's figure - b's figure) and
# of a / b, round by round (taken at the same moments): in D and R.
function gw_pair(a, b, arr,    rd, d, q) {
	d = ""; q = ""
	for (rd = 1; rd <= G_rounds; rd++)
		if (arr[a SUBSEP rd] != "" && arr[a SUBSEP rd] != "null" &&
		    arr[b SUBSEP rd] != "" && arr[b SUBSEP rd] != "null") {
			d = d (d == "" ? "" : " ") (arr[a SUBSEP rd] - arr[b SUBSEP rd])
			if (arr[b SUBSEP rd] > 0)
				q = q (q == "" ? "" : " ") (arr[a SUBSEP rd] / arr[b SUBSEP rd])
		}
	D = median(d); R = median(q)
}

function gw_row(lb, name) {
	if (!(lb in G_runs))
		return
	printf "%-32s %6d %6d %7d %9s %9s\n", name, G_runs[lb], G_ok[lb],
	    G_fail[lb], fmt(median(G_p50[lb]), "%.2f"),
	    fmt(median(G_p99[lb]), "%.2f")
}

function print_targets(from, to, header,    i, v, verdict) {
	printf "\n%s%s\n", header,
	    quick ? " (--quick: tiny N and short runs, not the real figures)" : ""
	for (i = from; i <= to; i++) {
		verdict = "NOT MET"
		if (tmet[i] == "null")
			verdict = "n/a"
		else if (tmet[i])
			verdict = "MET"
		v = tval[i]
		if (v == "null")
			v = (i in tnote) ? tnote[i] : "not measured: the harness has no FIDO2 runs yet"
		printf("  %-8s %s: %s (limit %s)\n", verdict, ttext[i], v, tlim[i])
	}
}

# The tables and targets of issue 6 (none with gwonly: run.sh --gateway).
function issue6() {
	nn = 0
	for (n in seen_n)
		ns[++nn] = n + 0
	for (i = 1; i <= nn; i++)		# N ascending
		for (j = i + 1; j <= nn; j++)
			if (ns[j] < ns[i]) { t = ns[i]; ns[i] = ns[j]; ns[j] = t }
	for (key in L_med) {
		M_med[key] = median(L_med[key])
		M_p99[key] = median(L_p99[key])
		M_rate[key] = median(L_rate[key])
		M_ccpu[key] = median(L_ccpu[key])
		M_added[key] = median(L_added[key])
		M_stack[key] = median(L_stack[key])
		M_kcpu[key] = median(L_kcpu[key])
	}
	printf "\nMedians of the repetitions.  median/p99: success latency of a " \
	    "whole log-in with one\nclient (pam_start_confdir + " \
	    "pam_authenticate + pam_end); K=n/s: log-ins per second with n\n" \
	    "client processes; refused: correct codes refused, all runs; " \
	    "cpu: CPU time per log-in\nwith one client, client + kagid (us); " \
	    "stack: KiB of RSS the loaded PAM stack holds in the client.\n"
	printf "Load average (1, 5, 15 min) at the start: %s; at the end: %s " \
	    "(on %d CPUs).\n", load_start, load_end, ncpu
	if ("disk-start" in fsync_med)
		printf "One fdatasync of 4 KiB here: median %s us at the start, " \
		    "%s us at the end.\n", fsync_med["disk-start"],
		    fsync_med["disk-end"]
	for (i = 1; i <= nn; i++) {
		n = ns[i]
		printf "\nN = %d users\n", n
		printf "%-21s %8s %8s %7s %7s %7s %7s %7s %11s %6s\n", "system",
		    "median", "p99", "K=1/s", "K=2/s", "K=4/s", "K=8/s",
		    "refused", "cpu", "stack"
		for (j = 1; j <= nsys; j++) {
			k1 = sys[j] SUBSEP n SUBSEP 1
			if (!(k1 in M_med))
				continue
			printf "%-21s %8.0f %8.0f", names[sys[j]], M_med[k1],
			    M_p99[k1]
			for (q = 1; q <= nk; q++)
				printf " %7s", fmt(M_rate[sys[j] SUBSEP n SUBSEP ks[q]],
				    "%.0f")
			c = sprintf("%.0f", M_ccpu[k1])
			if (M_kcpu[k1] != "")
				c = c sprintf("+%.0f", M_kcpu[k1])
			printf " %7d %11s %6s\n", refused[sys[j] SUBSEP n], c,
			    fmt(M_stack[k1], "%.0f")
		}
		kk = "kagi" SUBSEP n SUBSEP 1
		if (!(kk in M_med))
			continue
		printf "  kagid peak RSS (VmHWM): %d KiB\n", hwm[n]
		kf = "kagi-flat" SUBSEP 1 SUBSEP 1
		if (n == ns[nn] && (kf in M_med))
			printf "  interleaved with these runs, kagi with N=1: " \
			    "median %.0f us (x%s)\n", M_med[kf],
			    ratio(M_med[kk], M_med[kf])
		for (j = 1; j <= nsys; j++) {
			key = sys[j] SUBSEP n SUBSEP 1
			if (sys[j] == "kagi" || !(key in M_med))
				continue
			printf "  kagi / %-20s median x%s, log-ins/s", names[sys[j]],
			    ratio(M_med[kk], M_med[key])
			for (q = 1; q <= nk; q++)
				printf " K=%d x%s", ks[q],
				    ratio(M_rate["kagi" SUBSEP n SUBSEP ks[q]],
				    M_rate[sys[j] SUBSEP n SUBSEP ks[q]])
			printf "\n"
		}
	}

	printf "\nCorrectness under load: 8 clients\n"
	printf "%-21s %14s %14s %14s %10s %14s\n", "system", "double_accept",
	    "none_accepted", "correct_refus", "wrong_sent", "wrong_recorded"
	for (j = 2; j <= nsys; j++) {
		s = sys[j]
		if (!(s in race_dbl))
			continue
		printf "%-21s %14s %14s %14s %10s %14s\n", names[s],
		    race_dbl[s] "/" race_rounds[s], race_none[s] "/" race_rounds[s],
		    users_ref[s] "/" users_rounds[s] * 8, wrong_att[s],
		    wrong_rec[s] == "null" ? "not recorded" : wrong_rec[s]
	}
	if (datagrams != "")
		printf "Syslog lines received by the discarding /dev/log: %s\n",
		    datagrams

	dn = 0
	for (key in M_med) {
		split(key, kp, SUBSEP)
		if (kp[1] == "kagi-tmpfs" || kp[1] == "kagi-fakekagid")
			dn = kp[2]
	}
	if (dn) {
		printf "\nWhere kagi's time goes, N = %d (same moments)\n", dn
		printf "%-17s %9s %9s %9s %12s %12s\n", "variant", "median_K1",
		    "K=1/s", "K=8/s", "cpu_client", "cpu_kagid"
		for (j = 1; j <= ndiag; j++) {
			k1 = diag[j] SUBSEP dn SUBSEP 1
			k8 = diag[j] SUBSEP dn SUBSEP 8
			if (!(k1 in M_med))
				continue
			printf "%-17s %9.0f %9s %9s %12s %12s\n", diag[j], M_med[k1],
			    fmt(M_rate[k1], "%.0f"), fmt(M_rate[k8], "%.0f"),
			    fmt(M_ccpu[k1], "%.0f"), fmt(M_kcpu[k1], "%.0f")
		}
		k1 = "permit" SUBSEP dn SUBSEP 1
		if (k1 in M_med)
			printf "%-17s %9.0f %9s %9s %12s %12s\n", "pam_permit",
			    M_med[k1], fmt(M_rate[k1], "%.0f"),
			    fmt(M_rate["permit" SUBSEP dn SUBSEP 8], "%.0f"),
			    fmt(M_ccpu[k1], "%.0f"), "-"
	}

	if (("both" SUBSEP 1) in alone_rps) {
		printf "\nkagid alone (bench/kagiload, no PAM, no module), N = %d\n", dn
		printf "%-11s %3s %11s %10s %9s %16s\n", "requests", "K",
		    "requests/s", "log-ins/s", "refused", "kagid_cpu/request"
		split("begin totp both persistent", am, " ")
		for (j = 1; j <= 4; j++)
			for (q = 1; q <= nk; q++) {
				key = am[j] SUBSEP ks[q]
				if (!(key in alone_rps))
					continue
				printf "%-11s %3d %11s %10s %9s %16s\n", am[j], ks[q],
				    alone_rps[key], alone_lps[key], alone_err[key],
				    alone_cpu[key]
			}
	}

	fbest = ""
	if (fido2_n != "") {
		printf "\nFIDO2, N = %d users with one ES256 key each (bench/fido2load: " \
		    "auth_begin + a fresh\nassertion signed by the client + " \
		    "auth_fido2, a connection each; medians of the runs)\n", fido2_n
		printf "%3s %12s %9s %8s %7s %17s %18s\n", "K", "verified/s",
		    "verified", "refused", "errors", "kagid_cpu/assert",
		    "client_cpu/assert"
		for (q = 1; q <= nk; q++) {
			k = ks[q]
			if (!(k in F_rate))
				continue
			v = median(F_rate[k])
			if (fbest == "" || v > fbest) {
				fbest = v
				fbest_k = k
			}
			printf "%3d %12.0f %9d %8d %7d %17s %18s\n", k, v, F_ver[k],
			    F_ref[k], F_err[k], fmt(median(F_kcpu[k]), "%.0f"),
			    fmt(median(F_ccpu[k]), "%.0f")
		}
		if (1 in V_rate) {
			v1 = median(V_rate[1])
			printf "The limit, fido_assert_verify() alone in a loop " \
			    "(libfido2, ES256, no kagid):\n"
			printf "  1 process (one core): %.0f/s, %s us CPU each; " \
			    "x2 for 2 cores (computed): %.0f/s\n", v1,
			    fmt(median(V_cpu[1]), "%.0f"), 2 * v1
			if (2 in V_rate)
				printf "  2 processes (measured): %.0f/s\n",
				    median(V_rate[2])
			if (V_err > 0)
				printf "  verifications that failed: %d\n", V_err
			if (fbest != "" && v1 > 0)
				printf "  kagid at its best (K=%d) does x%s of one " \
				    "core's limit\n", fbest_k, ratio(fbest, v1)
		}
	}

	# --- PostgreSQL (issue 14) ---
	if (pg_err != "")
		printf "\nPostgreSQL: not run: %s\n", pg_err
	if (pg_ver != "") {
		printf "\nkagid on PostgreSQL %s (fsync %s, synchronous_commit %s): " \
		    "kagiload both (auth_begin + auth_totp,\none connection " \
		    "per log-in), medians of the repetitions.  granted/s: " \
		    "durable log-ins per second;\np50/p99: a granted log-in " \
		    "(us); CPU per log-in (us): kagid (all cores), PostgreSQL " \
		    "(all its\nprocesses); x SQLite: log-ins/s against kagid " \
		    "on SQLite at the same moments.\n", pg_ver, pg_fsync, pg_sync
		printf "%-10s %3s %10s %8s %8s %10s %8s %9s %6s\n", "setup", "K",
		    "granted/s", "p50", "p99", "kagid cpu", "pg cpu", "x SQLite",
		    "bad"
		nst = split("sqlite pg-1core pg-2cores", stn, " ")
		npk = split("8 64", pks, " ")
		for (i = 1; i <= nst; i++)
			for (j = 1; j <= npk; j++) {
				key = stn[i] SUBSEP pks[j]
				if (!(key in S_rate))
					continue
				SM_rate[key] = median(S_rate[key])
				SM_p99[key] = median(S_p99[key])
				printf "%-10s %3d %10.0f %8.0f %8.0f %10s %8s %9s %6d\n",
				    stn[i], pks[j], SM_rate[key], median(S_p50[key]),
				    SM_p99[key], fmt(median(S_kcpu[key]), "%.0f"),
				    fmt(median(S_gcpu[key]), "%.0f"),
				    ratio(SM_rate[key], median(S_rate["sqlite" SUBSEP pks[j]])),
				    S_bad[key]
			}
		if ("kagi-pg2" in race_dbl)
			printf "Two cores, 8 clients: %d of %d rounds with a double " \
			    "acceptance, %d with none; %d correct codes refused in " \
			    "%d rounds; wrong codes: %d attempts, %s recorded\n",
			    race_dbl["kagi-pg2"], race_rounds["kagi-pg2"],
			    race_none["kagi-pg2"], users_ref["kagi-pg2"],
			    users_rounds["kagi-pg2"], wrong_att["kagi-pg2"],
			    wrong_rec["kagi-pg2"]
	}

	# --- the targets of issue 6 ---
	maxn = ns[nn]
	k1 = "kagi" SUBSEP 1 SUBSEP 1
	o1 = "oath" SUBSEP 1 SUBSEP 1
	if ((k1 in M_med) && (o1 in M_med))
		target("latency", "one client, N=1: kagi median <= 0.6 x pam_oath's",
		    M_med[k1], 0.6 * M_med[o1], M_med[k1] <= 0.6 * M_med[o1])
	km = "kagi" SUBSEP maxn SUBSEP 1
	kf = "kagi-flat" SUBSEP 1 SUBSEP 1
	if ((kf in M_med) && (km in M_med) && maxn > 1)
		target("flat", "kagi median at N=" maxn " <= 1.1 x at N=1 " \
		    "(runs interleaved)", M_med[km], 1.1 * M_med[kf],
		    M_med[km] <= 1.1 * M_med[kf])
	else if ((k1 in M_med) && (km in M_med) && maxn > 1)
		target("flat", "kagi median at N=" maxn " <= 1.1 x at N=1",
		    M_med[km], 1.1 * M_med[k1], M_med[km] <= 1.1 * M_med[k1])
	for (i = 1; i <= nn; i++) {
		v = M_rate["kagi" SUBSEP ns[i] SUBSEP 8]
		if (v != "")
			target("throughput_" ns[i],
			    "8 clients, N=" ns[i] ": kagi >= 10,000 durable log-ins/s",
			    v, 10000, v >= 10000)
	}
	if ("kagi" in race_dbl) {
		target("double_accept", "8 clients racing one code: no double acceptance",
		    race_dbl["kagi"], 0, race_dbl["kagi"] == 0)
		target("correct_refused", "8 clients, 8 users: no correct code refused",
		    users_ref["kagi"], 0, users_ref["kagi"] == 0)
		target("wrong_counted", "8 clients, wrong codes: every attempt counted",
		    wrong_rec["kagi"], wrong_att["kagi"],
		    wrong_rec["kagi"] != "null" && wrong_rec["kagi"] + 0 == wrong_att["kagi"] &&
		    wrong_att["kagi"] > 0)
	}
	if (maxn in hwm)
		target("kagid_rss", "kagid peak RSS at N=" maxn " < 30 MB (30720 KiB)",
		    hwm[maxn], 30720, hwm[maxn] < 30720)
	p1 = "permit" SUBSEP 1 SUBSEP 1
	if ((k1 in M_stack) && (p1 in M_stack))
		target("module_rss", "pam_kagi adds < 1 MB (1024 KiB) to its process",
		    M_stack[k1] - M_stack[p1], 1024, M_stack[k1] - M_stack[p1] < 1024)
	if (fbest != "")
		target("fido2", "FIDO2, N=" fido2_n ": kagid verifies >= 6,000 " \
		    "assertions/s (best K: " fbest_k " clients)", fbest, 6000,
		    fbest >= 6000)
	else
		target("fido2", "FIDO2: kagid verifies >= 6,000 assertions/s",
		    "null", 6000, "null")
	# ... and of issue 14: two cores on one PostgreSQL, 64 clients.
	g = "pg-2cores" SUBSEP 64
	if (g in SM_rate) {
		target("pg_throughput", "PostgreSQL, two cores, 64 clients: >= 2,000 " \
		    "durable log-ins/s", SM_rate[g], 2000, SM_rate[g] >= 2000)
		target("pg_p99", "PostgreSQL, two cores, 64 clients: p99 <= 20 ms " \
		    "(20000 us)", SM_p99[g], 20000, SM_p99[g] <= 20000)
	}
	if ("kagi-pg2" in race_dbl) {
		target("pg_double_accept", "PostgreSQL, two cores, 8 clients racing " \
		    "one code: no double acceptance", race_dbl["kagi-pg2"], 0,
		    race_dbl["kagi-pg2"] == 0)
		target("pg_correct_refused", "PostgreSQL, two cores, 8 users: no " \
		    "correct code refused", users_ref["kagi-pg2"], 0,
		    users_ref["kagi-pg2"] == 0)
		target("pg_wrong_counted", "PostgreSQL, two cores, wrong codes: " \
		    "every attempt counted", wrong_rec["kagi-pg2"],
		    wrong_att["kagi-pg2"], wrong_rec["kagi-pg2"] != "null" &&
		    wrong_rec["kagi-pg2"] + 0 == wrong_att["kagi-pg2"] &&
		    wrong_att["kagi-pg2"] > 0)
	}
	print_targets(1, nt, "Targets of issues 6 and 14")
}

END {
	if (!gwonly)
		issue6()

	# --- the SSH gateway (issue 16, "Speed") ---
	nt6 = nt
	if (G_rounds > 0) {
		printf "\nThe SSH gateway (bench/gateway.sh), medians of %d rounds, ms\n",
		    G_rounds
		printf "%-32s %6s %6s %7s %9s %9s\n", "", "runs", "ok", "failed",
		    "p50", "p99"
		gw_row("true", "/bin/true, spawned as nobody")
		gw_row("kagi-authkeys", "kagi-authkeys, spawned as nobody")
		gw_row("sshd", "ssh log-in, sshd alone")
		gw_row("kagi", "ssh log-in, kagi gateway")
		if (("kagi-authkeys" in G_runs) && ("true" in G_runs)) {
			gw_pair("kagi-authkeys", "true", G_p50r)
			printf "kagi-authkeys - /bin/true: p50 %s ms (x%s)", fmt(D, "%+.2f"),
			    fmt(R, "%.2f")
			gw_pair("kagi-authkeys", "true", G_p99r)
			printf ", p99 %s ms (x%s)\n", fmt(D, "%+.2f"), fmt(R, "%.2f")
		}
		if (("kagi" in G_runs) && ("sshd" in G_runs)) {
			gw_pair("kagi", "sshd", G_p50r)
			gw_over = D
			printf "kagi's overhead, kagi gateway - sshd alone: p50 %s ms (x%s)",
			    fmt(D, "%+.1f"), fmt(R, "%.2f")
			gw_pair("kagi", "sshd", G_p99r)
			printf ", p99 %s ms (x%s)\n", fmt(D, "%+.1f"), fmt(R, "%.2f")
		}
	}
	if ("kagi-authkeys" in G_runs) {
		v = median(G_p99["kagi-authkeys"])
		amet = "null"
		if (v != "")
			amet = v <= 20 && G_fail["kagi-authkeys"] == 0 &&
			    G_ok["kagi-authkeys"] > 0
		target("authkeys_p99", "kagi-authkeys p99 <= 20 ms, every run " \
		    "printing the key (" G_fail["kagi-authkeys"] " of " \
		    G_runs["kagi-authkeys"] " failed)", v == "" ? "null" : v, 20,
		    amet)
	} else {
		target("authkeys_p99", "kagi-authkeys p99 <= 20 ms", "null", 20, "null")
		tnote[nt] = "not measured: " (gw_skip != "" ? gw_skip : "no gateway runs")
	}
	if (("kagi" in G_runs) && ("sshd" in G_runs)) {
		gmet = "null"
		gval = "null"
		if (gw_over != "") {
			gval = sprintf("%.1f", gw_over)
			gmet = gw_over <= 50 && G_fail["kagi"] + G_fail["sshd"] == 0
		}
		target("gateway_overhead", "the gateway's whole ssh log-in <= 50 ms " \
		    "beyond sshd's own (median of rounds, p50 - p50; " \
		    (G_fail["kagi"] + G_fail["sshd"]) " of " \
		    (G_runs["kagi"] + G_runs["sshd"]) " log-ins failed)", gval, 50,
		    gmet)
	} else {
		target("gateway_overhead", "the gateway's whole ssh log-in <= 50 ms " \
		    "beyond sshd's own", "null", 50, "null")
		tnote[nt] = "not measured: " (gw_skip != "" ? gw_skip : "no gateway runs")
	}
	print_targets(nt6 + 1, nt, "Targets of issue 16 (the SSH gateway's speed)")

	printf("{\n  \"quick\": %s,\n  \"elapsed_s\": %d,\n  \"devlog\": \"%s\",\n" \
	    "  \"cpu\": \"%s\",\n  \"ncpu\": %d,\n  \"loadavg_start\": \"%s\",\n" \
	    "  \"loadavg_end\": \"%s\",\n  \"records\": [\n",
	    quick ? "true" : "false", elapsed, devlog, cpu, ncpu, load_start,
	    load_end) > out
	for (i = 1; i <= nl; i++)
		printf("    %s%s\n", lines[i], i < nl ? "," : "") > out
	printf("  ],\n  \"targets\": [\n") > out
	for (i = 1; i <= nt; i++) {
		v = tval[i]
		if (v == "")
			v = "null"
		met = "false"
		if (tmet[i] == "null")
			met = "null"
		else if (tmet[i])
			met = "true"
		printf("    {\"id\":\"%s\",\"text\":\"%s\",\"value\":%s," \
		    "\"limit\":%s,\"met\":%s}%s\n", tid[i], ttext[i], v,
		    tlim[i], met, i < nt ? "," : "") > out
	}
	printf("  ]\n}\n") > out
	close(out)
}
