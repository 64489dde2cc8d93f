# report.awk - the benchmark's table, the issue's targets and results.json.
#
# Reads the JSON lines run.sh collected (one flat object per line, written
# by pambench and run.sh), prints per N a table of the systems side by side
# with kagi's ratios to each of them, checks the targets of issue 6, and
# writes every record plus the target verdicts to the file in `out`.
# Variables: quick, elapsed, devlog, out, cpu, ncpu.

function get(line, key,    re, v) {
	re = "\"" key "\":(\"[^\"]*\"|[-0-9.eE+]+|true|false|null)"
	if (!match(line, re))
		return ""
	v = substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
	gsub(/"/, "", v)
	return v
}

function num(v) {
	return v == "" ? "" : v + 0
}

function ratio(a, b) {
	if (a == "" || b == "" || b + 0 == 0)
		return "-"
	return sprintf("%.2f", a / b)
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
	order = "permit oath ga kagi"
	nsys = split(order, sys, " ")
	nk = split("1 2 4 8", ks, " ")
}

{
	lines[++nl] = $0
	s = get($0, "system"); m = get($0, "mode"); n = get($0, "users")
	k = get($0, "clients")
	if (m == "bench") {
		seen_n[n] = 1
		key = s SUBSEP n
		rate[key, k] = num(get($0, "logins_per_s"))
		fails[key] += get($0, "auth_err") + get($0, "other_err")
		if (k == 1) {
			med[key] = num(get($0, "median_us"))
			p99[key] = num(get($0, "p99_us"))
			rss[key] = num(get($0, "client_maxrss_kb"))
		}
	} else if (m == "memory") {
		hwm[n] = num(get($0, "vmhwm_kb"))
		vmrss[n] = num(get($0, "vmrss_kb"))
	} else if (m == "race") {
		race_dbl[s] = num(get($0, "double_accept_rounds"))
		race_none[s] = get($0, "rounds_none_accepted")
		race_rounds[s] = get($0, "rounds")
		race_ok[s] = get($0, "ok")
	} else if (m == "users") {
		users_ref[s] = num(get($0, "correct_refused"))
		users_rounds[s] = get($0, "rounds")
		users_rate[s] = get($0, "logins_per_s")
	} else if (m == "wrong") {
		wrong_acc[s] = get($0, "ok")
	} else if (m == "wrong_recorded") {
		wrong_att[s] = num(get($0, "attempts"))
		wrong_rec[s] = get($0, "recorded")
	} else if (m == "syslog") {
		datagrams = get($0, "datagrams")
	}
}

END {
	nn = 0
	for (n in seen_n)
		ns[++nn] = n + 0
	for (i = 1; i <= nn; i++)		# sort N ascending
		for (j = i + 1; j <= nn; j++)
			if (ns[j] < ns[i]) { t = ns[i]; ns[i] = ns[j]; ns[j] = t }
	printf "\nOne client: success latency of a whole log-in " \
	    "(pam_start_confdir + pam_authenticate + pam_end);\n" \
	    "log-ins/s with 1, 2, 4, 8 client processes; refused: correct " \
	    "codes refused in these runs.\n"
	for (i = 1; i <= nn; i++) {
		n = ns[i]
		printf "\nN = %d users\n", n
		printf "%-22s %9s %9s %8s %8s %8s %8s %8s %9s\n", "system",
		    "median_us", "p99_us", "K=1/s", "K=2/s", "K=4/s", "K=8/s",
		    "refused", "client_KB"
		for (j = 1; j <= nsys; j++) {
			key = sys[j] SUBSEP n
			if (!(key in med))
				continue
			printf "%-22s %9.0f %9.0f", names[sys[j]], med[key],
			    p99[key]
			for (q = 1; q <= nk; q++) {
				v = rate[key, ks[q]]
				printf " %8s", v == "" ? "n/a" : v
			}
			printf " %8d %9d\n", fails[key], rss[key]
		}
		kk = "kagi" SUBSEP n
		if (kk in med) {
			printf "  kagid peak RSS (VmHWM): %d KiB\n", hwm[n]
			for (j = 1; j <= nsys; j++) {
				key = sys[j] SUBSEP n
				if (sys[j] == "kagi" || !(key in med))
					continue
				printf "  kagi / %-20s median x%s", names[sys[j]],
				    ratio(med[kk], med[key])
				printf "  log-ins/s"
				for (q = 1; q <= nk; q++)
					printf " K=%d x%s", ks[q],
					    ratio(rate[kk, ks[q]], rate[key, ks[q]])
				printf "\n"
			}
		}
	}

	printf "\nCorrectness under load (8 clients)\n"
	printf "%-22s %13s %13s %13s %13s %13s\n", "system", "double_accept",
	    "none_accepted", "correct_refus", "wrong_tried", "wrong_recorded"
	for (j = 2; j <= nsys; j++) {
		s = sys[j]
		if (!(s in race_dbl))
			continue
		printf "%-22s %13s %13s %13s %13s %13s\n", names[s],
		    race_dbl[s] "/" race_rounds[s], race_none[s] "/" race_rounds[s],
		    users_ref[s] "/" users_rounds[s] * 8, wrong_att[s],
		    wrong_rec[s] == "null" ? "not recorded" : wrong_rec[s]
	}
	if (datagrams != "")
		printf "syslog datagrams received by the discarding /dev/log: %s\n",
		    datagrams

	# --- the targets of issue 6 ---
	maxn = ns[nn]
	k1 = "kagi" SUBSEP 1
	o1 = "oath" SUBSEP 1
	if ((k1 in med) && (o1 in med))
		target("latency", "one client, N=1: kagi median <= 0.6 x pam_oath median",
		    med[k1], 0.6 * med[o1], med[k1] <= 0.6 * med[o1])
	km = "kagi" SUBSEP maxn
	if ((k1 in med) && (km in med) && maxn > 1)
		target("flat", "kagi median at N=" maxn " <= 1.1 x at N=1",
		    med[km], 1.1 * med[k1], med[km] <= 1.1 * med[k1])
	for (i = 1; i <= nn; i++) {
		v = rate["kagi" SUBSEP ns[i], 8]
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
		    wrong_rec["kagi"] == wrong_att["kagi"] && wrong_att["kagi"] > 0)
	}
	if (maxn in hwm)
		target("kagid_rss", "kagid resident at N=" maxn " < 30 MB (30720 KiB)",
		    hwm[maxn], 30720, hwm[maxn] < 30720)
	p1 = "permit" SUBSEP 1
	if ((k1 in rss) && (p1 in rss))
		target("module_rss", "pam_kagi adds < 1 MB (1024 KiB) to its process",
		    rss[k1] - rss[p1], 1024, rss[k1] - rss[p1] < 1024)
	target("fido2", "FIDO2: kagid verifies >= 6,000 assertions/s",
	    "null", 6000, "null")
	printf "\nTargets of issue 6%s\n", quick ? " (--quick: tiny N, not the real figures)" : ""
	for (i = 1; i <= nt; i++) {
		verdict = "NOT MET"
		if (tmet[i] == "null")
			verdict = "n/a"
		else if (tmet[i])
			verdict = "MET"
		v = tval[i]
		if (v == "null")
			v = "FIDO2 not implemented yet"
		printf("  %-8s %s: %s (limit %s)\n", verdict, ttext[i], v, tlim[i])
	}

	printf("{\n  \"quick\": %s,\n  \"elapsed_s\": %d,\n  \"devlog\": \"%s\",\n" \
	    "  \"cpu\": \"%s\",\n  \"ncpu\": %d,\n  \"records\": [\n",
	    quick ? "true" : "false", elapsed, devlog, cpu, ncpu) > out
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
