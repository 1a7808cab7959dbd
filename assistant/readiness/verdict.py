"""One honest verdict per output: the headline the app, the batch report and the CLI show.

``verdict_for(checks, notices=(), preset=None) -> Verdict`` turns one output's listing
checks (``stages.checks.run_checks``) and its photo's cutout notices into one of three levels:

- ``ready`` (green) "Siap diunggah": nothing needs attention;
- ``check`` (amber) "Bisa diunggah, tapi cek dulu: ..." with the reasons;
- ``retake`` (red) "Sebaiknya foto ulang: ..." with what to do.

Every check's ``fail`` makes it red and every ``warn`` amber, except the checks listed in
``QUIET`` (measured on the real-photo review set: they fire on listable outputs and say
nothing a buyer would see) and, on a photo kept whole, ``UNCUT_SILENT``: those are a soft
tip (``TIP``), never a reason; of those, the ones that only measured the kept-whole square
(``UNCUT_UNMEASURED``) are not shown at all (``Verdict.shows``). ``Verdict.weight(check)``
is the weight the verdict gave each check, so the card's checks list draws a check at that
weight (a tip is never a red "foto ulang" line under a green headline): one verdict, the same
everywhere. Cutout notices count too: a pile kept whole or a fragment is red, fingers covering
the product and a hand the program removed amber (the edge where it was wants a look). The
special cases (in which situation a notice or a check weighs otherwise) are two tables read in
one place: ``NOTICE_CASES`` and ``CHECK_TIPS``. ``Verdict.marketplace_line``
says what the preset's own rules check ("Ukuran, format dan latar sesuai aturan Shopee").
``counts_line`` gives a batch's "24 siap, 4 perlu dicek, 2 foto ulang".

``verdicts_of(result)`` (per preset name) and ``verdict_of(result)`` (the worst output's: the
one headline for the photo) judge a ``pipeline.Result`` from its ``checks`` (measured once,
shared with ``readiness.listing.check_outputs``). The pipeline does not judge itself (the
layers point down): every front end asks here, so the app, the batch report, the CLI and
the Python API show the same verdict. ``to_record`` / ``from_record``: the batch journal's form.

Nothing here reads files or runs a model; the texts are i18n keys in
``assistant/strings/realphoto.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.i18n import t

LEVELS = ("ready", "check", "retake")
READY, CHECK, RETAKE = LEVELS
TIP = "tip"  # a check that is not ok but does not move the headline: a soft tip in the checks list
# Checks that do not move the headline (see docs/realphoto.md): a residual colour cast and
# "white on white" are shown in the checks but fire on most shop photos that list fine.
QUIET = ("color_cast", "white_on_white", "cutout_uncertain")
# Cutout notices and the level they give.
NOTICE_LEVEL = {
    "realphoto_pile_uncut": RETAKE,
    "realphoto_fragment_uncut": RETAKE,
    "cutout_empty": RETAKE,
    "realphoto_fingers_cover": CHECK,
    # The hand cut away by the program: the product's edge where it was wants a look. Round 11, on
    # 150 grocery_phone photos no round had used: 9 of the 12 green outputs with a removed hand could
    # not be listed (a notch or a bite where the hand was, a thumb left on the face, shelf cartons
    # taken along); on the review set it was 2 green outputs (one listable).
    "realphoto_hand_removed": CHECK,
    "realphoto_hand_left": CHECK,
    "cutout_hand_detected": CHECK,
    "transparent_not_allowed": CHECK,
    "photo_exif_ignored": CHECK,  # "check that the result is upright": a look is needed
}
# When the photo was kept whole, the cutout checks judge the whole square and say nothing new; its
# background is the photo's own (the notice's advice, a retake on plain paper, is the remedy), which
# the marketplace line still says.
UNCUT_SILENT = ("cutoff", "product_size", "multiple_products", "cutout_uncertain", "hand", "product_lost",
                "milky", "ghosts", "white_on_white", "resolution", "background")
# ... and of those, the ones that measure the cutout's alpha, which on a photo kept whole is the
# square itself: "part of the product cut off at the photo's edge" said of that square is noise
# (seen in the phone walk under a tomato crate). They are not shown at all (``Verdict.unmeasured``);
# the hand, the enlargement and the background still say something true of the photo.
UNCUT_UNMEASURED = ("cutoff", "product_size", "multiple_products", "cutout_uncertain", "product_lost",
                    "milky", "ghosts", "white_on_white")
# Notices read from skin colour alone: they count only when the output's ``hand`` check (the hand's
# shape: a solid skin region reaching the frame's edge) agrees; measured on the review set's tuning
# half, "fingers may still show" fired on clean cartons whose cut line was skin-toned.
SHAPE_BACKED = ("realphoto_hand_left",)
# A product small in the photo is cropped and framed anew: what that costs the output is the
# enlargement, which ``resolution`` measures. With ``resolution`` ok its warning is a tip (measured
# on the review set's tuning half: it warned on a clean light-box pack whose output was sharp).
REFRAMED = ("product_size",)
MARKETPLACE_CHECKS = ("background", "file_size")
FINGERS_RETAKE = 25  # percent of the product's outline the fingers cover from which it is red
# the notices of a photo kept whole: stages.cutout.UNCUT_NOTICES (this module imports no image code)
UNCUT = ("realphoto_pile_uncut", "realphoto_fragment_uncut")

# The special cases in one place: where a notice or a check weighs otherwise than ``NOTICE_LEVEL``
# and ``check_level`` say, and in which situation (``_situation``: what one output's checks and
# notices show). The first case that holds decides.
# Notices: (codes, situation, the level they give then; None: information, no reason).
NOTICE_CASES = (
    # the output's own hand check says a hand is still there: "the hand was removed, check its edge"
    # and "some fingers may still show" beside "a hand is still visible" said one thing three ways,
    # the first two against the third (seen in round 12's phone walk); the check speaks for them
    (("realphoto_hand_removed",) + SHAPE_BACKED, "hand_said", None),
    # skin colour alone by the cut line, no hand's shape in the output (its hand check is ok)
    (SHAPE_BACKED, "hand_check_ok", None),
    # a quarter of the product hidden, or its outline torn where the fingers held it (on the review
    # set 21 of 24 such outputs could not be listed): nothing to list, and the notice's own advice
    # is to retake; "Bisa diunggah" above it would contradict it
    (("realphoto_fingers_cover",), "quarter_covered", RETAKE),
    (("realphoto_fingers_cover",), "torn", RETAKE),
)
# Checks that are not ok but a tip, never a reason: (checks, situation, the statuses it covers).
CHECK_TIPS = (
    (QUIET, "always", ("warn", "fail")),
    (UNCUT_SILENT, "uncut", ("warn", "fail")),
    (REFRAMED, "sharp", ("warn",)),
)


@dataclass(frozen=True)
class Reason:
    """One thing that needs attention: what it is (a check or notice) and the tip key."""

    name: str  # a check name or a notice code
    level: str  # "check" or "retake"
    tip_key: str
    params: dict

    def label(self, lang: str | None = None) -> str:
        return t(f"realphoto_reason_{self.name}", lang)

    def tip(self, lang: str | None = None) -> str:
        return t(self.tip_key, lang, **self.params)


@dataclass(frozen=True)
class Verdict:
    level: str  # "ready" | "check" | "retake"
    reasons: tuple[Reason, ...] = ()
    preset_title: str | None = None
    marketplace_ok: bool = True
    marketplace_checked: bool = False  # an output was checked against the preset's rules
    preset_name: str | None = None
    tips: tuple[str, ...] = ()  # checks that are not ok but were given no weight (QUIET, UNCUT_SILENT)
    unmeasured: tuple[str, ...] = ()  # checks that measured nothing of this output (UNCUT_UNMEASURED): not shown

    def shows(self, check) -> bool:
        """Whether a check (a ``CheckResult``) belongs on the output's card at all."""
        return check.check not in self.unmeasured

    def counts(self, notice_code: str) -> bool:
        """Whether a notice (its i18n code) moved this verdict; one that did not (the first frame
        of an animation was used, fingers read from skin colour alone) is information, not a warning."""
        return any(r.name == notice_code for r in self.reasons)

    def weight(self, check) -> str | None:
        """The weight this verdict gave one check (a ``CheckResult``): None when it is ok, ``TIP``
        when it does not move the headline, else the level it gave ("check" or "retake")."""
        if check.status == "ok":
            return None
        if check.check in self.tips:
            return TIP
        return check_level(check.status)

    @property
    def colour(self) -> str:
        return {READY: "green", CHECK: "amber", RETAKE: "red"}[self.level]

    def summary(self, lang: str | None = None) -> str:
        """The reasons' short labels, worst first: "ada tangan, produk terpotong"."""
        return ", ".join(dict.fromkeys(r.label(lang) for r in self.reasons))

    def headline(self, lang: str | None = None) -> str:
        if self.level == READY:
            return t("realphoto_verdict_ready", lang)
        key = "realphoto_verdict_check" if self.level == CHECK else "realphoto_verdict_retake"
        return t(key, lang, reasons=self.summary(lang))

    def advice(self, lang: str | None = None) -> str:
        """What to do: the tip of the worst reason."""
        return self.reasons[0].tip(lang) if self.reasons else ""

    def marketplace_line(self, lang: str | None = None, title: str | None = None) -> str:
        """What the preset's rules checked, and whether the output meets them ("Ukuran, format
        dan latar sesuai aturan Shopee"); ``title``: the marketplace's name in ``lang``."""
        if not self.marketplace_checked:
            return ""
        return marketplace_text(self.marketplace_ok, title or self.preset_title or "", lang, self.preset_name)

    def as_dict(self, lang: str | None = None) -> dict:
        return {"level": self.level, "headline": self.headline(lang), "advice": self.advice(lang),
                "marketplace": self.marketplace_line(lang),
                "reasons": [{"name": r.name, "level": r.level, "tip": r.tip(lang)} for r in self.reasons]}


GENERAL = "umum"  # the general preset: safe everywhere, not one marketplace's rules


def marketplace_text(ok: bool, title: str, lang: str | None = None, preset_name: str | None = None) -> str:
    """The marketplace line: the output's size, format and background against ``title``'s rules."""
    if preset_name == GENERAL:
        return t("realphoto_marketplace_ok_general" if ok else "realphoto_marketplace_bad_general", lang)
    return t("realphoto_marketplace_ok" if ok else "realphoto_marketplace_bad", lang, marketplace=title)


def _title(preset, lang: str | None) -> str | None:
    if preset is None:
        return None
    if hasattr(preset, "title_in"):
        return preset.title_in(lang)
    return str(getattr(preset, "name", preset))


def check_level(status: str) -> str:
    """The level a check's status gives when it counts: ``fail`` red, ``warn`` amber."""
    return RETAKE if status == "fail" else CHECK


def _situation(checks, codes) -> set[str]:
    """What one output shows that ``NOTICE_CASES`` and ``CHECK_TIPS`` name (but "quarter_covered",
    the notice's own: ``_notice_level``)."""
    found = {"always"}
    hand = next((r for r in checks if r.check == "hand"), None)
    if hand is not None and hand.status == "ok":
        found.add("hand_check_ok")
    if any(c in UNCUT for c, _ in codes):
        found.add("uncut")
    elif hand is not None and hand.status != "ok":  # kept whole, the hand check is only a tip
        found.add("hand_said")
    if any(r.check == "product_lost" and r.status != "ok" for r in checks):
        found.add("torn")
    if any(r.check == "resolution" and r.status == "ok" for r in checks):
        found.add("sharp")
    return found


def _notice_level(code: str, params: dict, situation: set[str]) -> str | None:
    """The level a notice gives in ``situation`` (None: it is information)."""
    def holds(when: str) -> bool:
        if when == "quarter_covered":  # the notice's own: how much of the outline the fingers cover
            return params.get("percent", 0) >= FINGERS_RETAKE
        return when in situation

    return next((level for codes, when, level in NOTICE_CASES if code in codes and holds(when)),
                NOTICE_LEVEL.get(code))


def _is_tip(check, situation: set[str]) -> bool:
    """Whether a check that is not ok is a tip in ``situation`` (``CHECK_TIPS``)."""
    return any(check.check in names and when in situation and check.status in statuses
               for names, when, statuses in CHECK_TIPS)


def verdict_for(checks, notices=(), preset=None, lang: str | None = None) -> Verdict:
    """The verdict for one output: its checks (``CheckResult`` list) and the photo's notices
    (``Notice`` objects or ``(code, params)`` pairs)."""
    codes = []
    for n in notices:
        code, params = (n.code, n.params) if hasattr(n, "code") else (n[0], n[1])
        codes.append((code, dict(params)))
    checks = list(checks)
    situation = _situation(checks, codes)
    reasons: list[Reason] = []
    for code, params in codes:
        level = _notice_level(code, params, situation)
        if level is not None:
            reasons.append(Reason(code, level, code, params))
    marketplace_ok, checked, tips = True, False, []
    unmeasured = tuple(r.check for r in checks if r.check in UNCUT_UNMEASURED) if "uncut" in situation else ()
    for r in checks:
        if r.check in MARKETPLACE_CHECKS:
            checked = True
            marketplace_ok &= r.status == "ok"
        if r.status == "ok":
            continue
        if _is_tip(r, situation):
            tips.append(r.check)
            continue
        reasons.append(Reason(r.check, check_level(r.status), r.tip_key, dict(r.params)))
    reasons.sort(key=lambda r: -LEVELS.index(r.level))
    level = max((r.level for r in reasons), key=LEVELS.index, default=READY)
    return Verdict(level, tuple(reasons), _title(preset, lang), marketplace_ok, checked,
                   getattr(preset, "name", None), tuple(tips), unmeasured)


def counts(verdicts) -> dict[str, int]:
    found = {level: 0 for level in LEVELS}
    for v in verdicts:
        found[v.level if isinstance(v, Verdict) else v] += 1
    return found


def counts_line(verdicts, lang: str | None = None) -> str:
    """"24 siap, 4 perlu dicek, 2 foto ulang"."""
    c = counts(verdicts)
    return t("realphoto_counts", lang, ready=c[READY], check=c[CHECK], retake=c[RETAKE])


def worst(levels) -> str | None:
    """The worst of some levels ("retake" > "check" > "ready"); None for none."""
    return max(levels, key=LEVELS.index, default=None)


def verdicts_of(result) -> dict[str, Verdict]:
    """Each output's verdict, keyed by preset name: its checks (``result.checks``) and the
    photo's and the output's notices."""
    return {out.preset.name: verdict_for(result.checks[out.preset.name], result.photo.notices + out.notices,
                                         out.preset) for out in result.outputs}


def verdict_of(result) -> Verdict | None:
    """The photo's one verdict: its worst output's (None without outputs)."""
    return max(verdicts_of(result).values(), key=lambda v: LEVELS.index(v.level), default=None)


def to_record(v: Verdict) -> dict:
    """A verdict as the batch journal keeps it (JSON)."""
    return {"level": v.level, "reasons": [[r.name, r.level, r.tip_key, r.params] for r in v.reasons],
            "marketplace_ok": v.marketplace_ok, "preset": v.preset_title, "preset_name": v.preset_name,
            "tips": list(v.tips), "unmeasured": list(v.unmeasured)}


def from_record(data: dict | None) -> Verdict | None:
    """``to_record`` back to a ``Verdict`` (None for an old journal's output without one)."""
    if not data:
        return None
    return Verdict(data["level"], tuple(Reason(*r) for r in data["reasons"]), data.get("preset"),
                   data.get("marketplace_ok", True), True, data.get("preset_name"), tuple(data.get("tips", ())),
                   tuple(data.get("unmeasured", ())))
