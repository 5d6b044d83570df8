//! Signals (regulator, media, legal, churn threat, repeat mention) found by
//! keyword in the normalised text and reported with the span of the
//! original text that triggered them.

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::taxonomy::Signal;
use crate::text::Mapped;

/// A signal and the part of the original text that raised it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SignalHit {
    /// The signal.
    pub signal: Signal,
    /// Byte offset of the triggering span in the original text.
    pub start: usize,
    /// Byte offset just past the triggering span in the original text.
    pub end: usize,
    /// The triggering span as written in the original text.
    pub matched: String,
}

/// Keywords, matched in normalised text (simplified Chinese, lower case).
/// ASCII keywords only match whole words; a trailing `*` allows any word
/// ending (`sue*` matches `sued`, `suing` does not need it, see below).
const LEXICON: &[(Signal, &[&str])] = &[
    (
        Signal::Regulator,
        &[
            "工信部",
            "工业和信息化部",
            "通管局",
            "通信管理局",
            "12300",
            "12315",
            "12345",
            "消协",
            "消费者协会",
            "市场监管",
            "工商局",
            "监管部门",
            "监管机构",
            "申诉中心",
            "电信申诉",
            "上级部门",
            "regulator*",
            "regulatory",
            "fcc",
            "ombudsman",
            "miit",
            "cfpb",
            "ofcom",
            "better business bureau",
            "bbb",
            "attorney general",
            "consumer protection",
            "public utilities commission",
            "puc",
            "trading standards",
            "consumer council",
            "consumer association",
            "telecom authority",
            "federal communications commission",
            "消保官",
            "消基会",
            "消委会",
            "消费者保护",
            "通传会",
            "ncc",
            "信访",
            "consumer affairs",
            "consumer rights",
            "trai",
            "imda",
            "ofca",
            "acma",
            "crtc",
            "ccts",
            "tio",
            "comreg",
            "ico",
            "consumer helpline",
            "通讯事务管理局",
            "通讯局",
            "电讯管理局",
            "consumer forum",
            "consumer court",
            "tribunal",
            "ftc",
            "fair trading",
            "accc",
            "nbtc",
            "mcmc",
            "psa",
            "申诉受理",
            "12321",
            "市场监督",
            "网信",
            "oaic",
        ],
    ),
    (
        Signal::Media,
        &[
            "媒体",
            "记者",
            "曝光",
            "微博",
            "抖音",
            "快手",
            "小红书",
            "电视台",
            "报社",
            "报纸",
            "新闻",
            "网上发帖",
            "发到网上",
            "朋友圈",
            "黑猫投诉",
            "press",
            "news",
            "journalist*",
            "reporter*",
            "media",
            "social media",
            "twitter",
            "tweet*",
            "facebook",
            "tiktok",
            "youtube",
            "instagram",
            "go public",
            "newspaper*",
            "reddit",
            "weibo",
            "douyin",
            "tv station",
            "viral",
            "发抖音",
            "头条",
            "公众号",
            "网上发",
            "发帖",
            "发网上",
            "网络上曝光",
            "上新闻",
            "the papers",
            "post about this",
            "posting about",
            "online review*",
            "review sites",
            "脸书",
            "po上",
            "po到",
            "po文",
            "拍视频",
            "揭露",
            "上热搜",
            "热搜",
            "自媒体",
            "贴吧",
            "论坛",
            "put this online",
            "post this online",
            "posting online",
            "dcard",
            "mobile01",
            "ptt",
            "贴到",
            "贴上",
            "posting this",
            "post it everywhere",
            "tag you",
            "everywhere so people",
        ],
    ),
    (
        Signal::Legal,
        &[
            "律师",
            "起诉",
            "法院",
            "诉讼",
            "打官司",
            "法律途径",
            "法律手段",
            "法律责任",
            "律师函",
            "仲裁",
            "告你们",
            "lawyer*",
            "attorney",
            "sue",
            "sued",
            "suing",
            "lawsuit*",
            "court",
            "legal action",
            "small claims",
            "litigation",
            "legal proceedings",
            "class action",
            "solicitor*",
            "法律",
            "法务",
            "告上法庭",
            "律所",
            "law firm",
            "my rights in court",
            "legal advice",
            "legal steps",
            "legal route",
            "take legal",
            "legal",
        ],
    ),
    (
        Signal::ChurnThreat,
        &[
            "销户",
            "携号转网",
            "换运营商",
            "不用你们",
            "不再用你们",
            "退网",
            "注销",
            "拆机",
            "转到联通",
            "转到电信",
            "转到移动",
            "换联通",
            "换电信",
            "换移动",
            "改用联通",
            "改用电信",
            "改用移动",
            "换一家",
            "cancel my account",
            "cancel my service",
            "cancel my contract",
            "cancel the contract",
            "cancel my subscription",
            "cancel my plan",
            "cancel my line",
            "close my account",
            "switch carrier*",
            "switch provider*",
            "switch to another",
            "switching to another",
            "port my number",
            "port out",
            "porting out",
            "leave your company",
            "take my business elsewhere",
            "find another provider",
            "another carrier",
            "another provider",
            "terminate my contract",
            "terminate the contract",
            "cancel service",
            "cancel the service",
            "携号",
            "携码",
            "携转",
            "销号",
            "把号销",
            "换别家",
            "去别家",
            "到别家",
            "用别家",
            "换个运营商",
            "换家运营商",
            "全部退掉",
            "都退掉",
            "退掉不用",
            "不续约",
            "不再续",
            "再也不用",
            "不用了你们",
            "转去联通",
            "转去电信",
            "转去移动",
            "转投",
            "different carrier*",
            "different provider*",
            "different network",
            "another network",
            "another isp",
            "different isp",
            "other carrier*",
            "other provider*",
            "competitor*",
            "switching carrier*",
            "switching provider*",
            "switch network*",
            "switching network*",
            "porting my number",
            "port my number*",
            "porting everything",
            "port everything",
            "number elsewhere",
            "business elsewhere",
            "service elsewhere",
            "go elsewhere",
            "going elsewhere",
            "take my number",
            "taking my number",
            "cancelling my account",
            "canceling my account",
            "cancelling my service",
            "canceling my service",
            "cancelling my contract",
            "canceling my contract",
            "cancel everything",
            "cancelling everything",
            "i'll cancel",
            "i will cancel",
            "i'm cancelling",
            "i am cancelling",
            "i'm canceling",
            "going to cancel",
            "gonna cancel",
            "cancel and go",
            "leave your network",
            "leaving your network",
            "i'll leave",
            "leaving you",
            "done with you",
            "port-out",
            "moving to another",
            "move to another",
            "switch to a different",
            "switching to a different",
            "switch to vodafone",
            "switch to verizon",
            "装别家",
            "办别家",
            "别家的",
            "别的运营商",
            "其他运营商",
            "转走",
            "转回",
            "不续了",
            "不续费",
            "到期就走",
            "我就走",
            "expose you",
            "exposing you",
            "expose this",
            "exposing this",
            "走人",
            "逼我走",
            "不敢用了",
            "号不要了",
            "号也不",
            "不要了",
            "换家",
            "退宽带",
            "宽带退了",
            "注销号码",
            "i walk",
            "i'll walk",
            "walk away",
            "walking away",
            "leaving when",
            "leave when",
            "i'll be leaving",
            "i will be leaving",
            "done after this",
            "i'm done",
            "elsewhere",
            "new provider",
            "new carrier",
            "other company",
            "another company",
            "leave you guys",
            "going too",
            "not renewing",
            "won't renew",
            "won't be renewing",
            "not be renewing",
            "转网",
            "i'm gone",
            "gone if",
            "一起退",
            "都退",
            "换telco",
            "换另一家",
            "另一家",
            "隔壁那家",
            "别续了",
            "也别续",
            "cancel所有",
            "cancel all my",
        ],
    ),
    (
        Signal::RepeatMention,
        &[
            "又",
            "再次",
            "再一次",
            "第二次",
            "第三次",
            "第四次",
            "第五次",
            "第n次",
            "多次",
            "还是没解决",
            "还没解决",
            "仍未解决",
            "仍然没有",
            "仍然没",
            "依然没",
            "一直没解决",
            "一直没有解决",
            "一直没修好",
            "一直没处理",
            "两次",
            "三次",
            "四次",
            "五次",
            "好多次",
            "反复",
            "屡次",
            "三番五次",
            "好几次",
            "不止一次",
            "重复",
            "又一次",
            "几次",
            "n次",
            "again",
            "second time",
            "third time",
            "fourth time",
            "fifth time",
            "multiple times",
            "several times",
            "many times",
            "numerous times",
            "countless times",
            "still not fixed",
            "still not resolved",
            "still hasn't",
            "still haven't",
            "still isn't",
            "still not",
            "three times",
            "four times",
            "five times",
            "every time",
            "repeatedly",
            "keeps happening",
            "keep happening",
            "once more",
            "over and over",
            "recurring",
            "same problem",
            "same issue",
            "3rd time",
            "2nd time",
            "4th time",
            "5th time",
            "times already",
            "still broken",
            "not the first time",
            "上个月也",
            "上次也",
            "之前也",
            "以前也",
            "上回也",
            "再出现",
            "再次出现",
            "老问题",
            "同样的问题",
            "同样的事",
            "同样的情况",
            "一样的问题",
            "还是这样",
            "还是不行",
            "仍旧",
            "仍然",
            "仍未",
            "一再",
            "屡屡",
            "三遍",
            "遍了",
            "第2次",
            "第3次",
            "第4次",
            "第5次",
            "第6次",
            "打了好几",
            "催了",
            "催过",
            "已经反映",
            "反映过",
            "投诉过",
            "报修过",
            "in a row",
            "chased",
            "chasing",
            "x2",
            "x3",
            "x4",
            "previously",
            "reported it",
            "reported this",
            "already reported",
            "already called",
            "already complained",
            "i've reported",
            "i have reported",
            "called before",
            "raised this before",
            "complained before",
            "before too",
            "last time",
            "last month too",
            "yet again",
            "still waiting",
            "still getting",
            "still having",
            "still being",
            "still charging",
            "still showing",
            "still down",
            "still slow",
            "still can't",
            "still cannot",
            "still doesn't",
            "still don't",
            "still won't",
            "still nothing",
            "still no one",
            "still nobody",
            "kept happening",
            "again and again",
            "2 times",
            "3 times",
            "4 times",
            "5 times",
            "6 times",
            "7 times",
            "8 times",
            "9 times",
            "10 times",
            "second ticket",
            "third ticket",
            "fourth ticket",
            "2nd ticket",
            "3rd ticket",
            "4th ticket",
            "5th ticket",
            "second report",
            "third report",
            "2nd report",
            "3rd report",
            "4th report",
            "second complaint",
            "third complaint",
            "2nd complaint",
            "3rd complaint",
            "4th complaint",
            "second call",
            "third call",
            "2nd call",
            "3rd call",
            "4th call",
            "third box",
            "third router",
            "third modem",
            "third technician",
            "third visit",
            "second visit",
            "third month",
            "third week",
            "another ticket",
            "new ticket again",
            "reopen*",
            "re-open*",
            "recurr*",
            "follow-up on",
            "following up on",
            "still unresolved",
            "not resolved yet",
            "never fixed",
            "never got fixed",
            "still no",
            "previous two",
            "previous request*",
            "previous ticket*",
            "previous complaint*",
            "chased twice",
            "called twice",
            "reported twice",
            "complained twice",
            "asked twice",
            "报过",
            "说过",
            "已经说过",
            "说了两年",
            "n回",
            "几回",
            "两回",
            "三回",
            "第二回",
            "第三回",
            "天天",
            "每天都",
            "每晚都",
            "每次都",
            "老是",
            "总是",
            "也是这样",
            "还是一样",
            "同样",
            "换了两",
            "换过",
            "三趟",
            "两趟",
            "几趟",
            "上星期",
            "上礼拜",
            "上周已经",
            "之前已经",
            "前几天已经",
            "早就反映",
            "早就说",
            "去年报",
            "打来报过",
            "打过电话",
            "说了好几",
            "第二台",
            "第三台",
            "第二个",
            "第三个",
            "第二张",
            "第二部",
            "twice",
            "twice already",
            "already twice",
            "month running",
            "months running",
            "cycle running",
            "cycles running",
            "week running",
            "weeks running",
            "second cycle",
            "2nd cycle",
            "earlier complaint*",
            "earlier ticket*",
            "earlier report*",
            "earlier call*",
            "earlier request*",
            "fourth",
            "fifth",
            "sixth",
            "still there",
            "still the same",
            "nothing's changed",
            "nothing has changed",
            "nothing changed",
            "every night",
            "every evening",
            "every day",
            "every morning",
            "each time",
            "six times",
            "seven times",
            "eight times",
            "ten times",
            "dozen times",
            "times this week",
            "times today",
            "times a day",
            "times this month",
            "仍",
            "since i complained",
            "since i reported",
            "since i first",
            "已经报",
            "报咗",
            "之前反映",
            "之前投诉",
            "上次反映",
            "每次打电话",
            "been trying",
            "keep trying",
            "tried again",
        ],
    ),
];

/// Ordinals and the things a customer counts when a problem comes back
/// ("the second router", "my third ticket"): every pair is a repeat mention.
const REPEAT_ORDINALS: &[&str] = &["second", "third", "2nd", "3rd", "4th", "5th"];
const REPEAT_COUNTED: &[&str] = &[
    "router",
    "modem",
    "box",
    "set-top box",
    "sim",
    "phone",
    "handset",
    "device",
    "replacement",
    "technician",
    "engineer",
    "visit",
    "appointment",
    "complaint",
    "ticket",
    "report",
    "call",
    "request",
    "attempt",
    "time",
    "month",
    "week",
    "bill",
    "refund request",
    "sim swap",
    "outage",
    "speed complaint",
];

/// Phrases that contain a keyword without meaning its signal: a keyword
/// match inside one of these is dropped ("charged twice" is a double
/// charge, not a repeat; "转网络侧" hands a ticket to the network team).
const VETOES: &[(Signal, &[&str])] = &[
    (
        Signal::RepeatMention,
        &[
            "charged twice",
            "billed twice",
            "debited twice",
            "deducted twice",
            "paid twice",
            "taken twice",
            "charging twice",
            "charged me twice",
            "billed me twice",
            "twice the",
            "twice as",
            "second line",
            "second sim",
            "second number",
            "同样的套餐",
            "同样价格",
        ],
    ),
    (
        Signal::ChurnThreat,
        &["转网络", "转网格", "不要了吗", "就走流程", "走流程"],
    ),
    (Signal::Media, &["论坛上说"]),
];

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// One lexicon entry as the matcher sees it.
#[derive(Debug, Clone)]
struct Entry {
    signal: Signal,
    /// ASCII keywords match whole words only.
    ascii: bool,
    /// `*` keywords take any trailing letters (`lawyer*` → `lawyers`).
    open_end: bool,
    /// The lone `又`, subject to the parallel-construction exception.
    you: bool,
    /// A [`VETOES`] phrase: cancels matches of its signal inside it.
    veto: bool,
}

/// The signal lexicon compiled into one Aho-Corasick automaton, so a text
/// is scanned once whatever the number of keywords. Built once per
/// classifier.
#[derive(Debug, Clone)]
pub(crate) struct SignalMatcher {
    automaton: AhoCorasick,
    entries: Vec<Entry>,
}

impl SignalMatcher {
    pub fn new() -> SignalMatcher {
        let mut patterns: Vec<String> = Vec::new();
        let mut entries = Vec::new();
        let mut add = |signal: Signal, keyword: &str, veto: bool| {
            let (word, open_end) = match keyword.strip_suffix('*') {
                Some(stem) => (stem, true),
                None => (keyword, false),
            };
            patterns.push(word.to_owned());
            entries.push(Entry {
                signal,
                ascii: word.is_ascii(),
                open_end,
                you: signal == Signal::RepeatMention && word == "又",
                veto,
            });
        };
        for &(signal, words) in LEXICON {
            for &keyword in words {
                add(signal, keyword, false);
            }
        }
        for ordinal in REPEAT_ORDINALS {
            for counted in REPEAT_COUNTED {
                add(Signal::RepeatMention, &format!("{ordinal} {counted}"), false);
            }
        }
        for &(signal, phrases) in VETOES {
            for &phrase in phrases {
                add(signal, phrase, true);
            }
        }
        SignalMatcher {
            // A DFA: a few hundred kilobytes for a scan of one step per byte.
            automaton: AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::DFA))
                .build(&patterns)
                .expect("the lexicon is small and valid"),
            entries,
        }
    }

    /// Bytes held: the automaton and one entry per keyword.
    pub fn memory_bytes(&self) -> usize {
        self.automaton.memory_usage() + std::mem::size_of_val(self.entries.as_slice())
    }

    /// Finds every signal in `mapped` and reports, per signal, its first
    /// triggering span in the original text (the longest keyword there).
    pub fn find(&self, mapped: &Mapped, original: &str) -> Vec<SignalHit> {
        let text = mapped.text.as_str();
        let bytes = text.as_bytes();
        let mut best: [Option<(usize, usize)>; 5] = [None; 5];
        let mut found_all: Vec<(&Entry, usize, usize)> = self
            .automaton
            .find_overlapping_iter(text)
            .map(|found| {
                (
                    &self.entries[found.pattern().as_usize()],
                    found.start(),
                    found.end(),
                )
            })
            .collect();
        let vetoes: Vec<(Signal, usize, usize)> = found_all
            .iter()
            .filter(|(entry, ..)| entry.veto)
            .map(|&(entry, start, end)| (entry.signal, start, end))
            .collect();
        found_all.retain(|(entry, ..)| !entry.veto);
        for (entry, start, end) in found_all {
            let mut end = end;
            if vetoes
                .iter()
                .any(|&(signal, s, e)| signal == entry.signal && s <= start && end <= e)
            {
                continue;
            }
            if entry.ascii {
                if start > 0 && is_word_byte(bytes[start - 1]) {
                    continue;
                }
                if entry.open_end {
                    while end < bytes.len() && bytes[end].is_ascii_alphabetic() {
                        end += 1;
                    }
                } else if end < bytes.len() && is_word_byte(bytes[end]) {
                    continue;
                }
            }
            if entry.you && is_parallel_you(text, start) {
                continue;
            }
            let slot = &mut best[Signal::ALL
                .iter()
                .position(|&s| s == entry.signal)
                .expect("listed")];
            let better = match *slot {
                None => true,
                Some((s, e)) => start < s || (start == s && end > e),
            };
            if better {
                *slot = Some((start, end));
            }
        }
        Signal::ALL
            .iter()
            .zip(best)
            .filter_map(|(&signal, span)| {
                let (start, end) = span?;
                let (start, end) = mapped.original_range(start, end);
                Some(SignalHit {
                    signal,
                    start,
                    end,
                    matched: original.get(start..end).unwrap_or_default().to_owned(),
                })
            })
            .collect()
    }
}

/// `又慢又卡` ("both slow and laggy") is not a repeat: a 又 with another 又
/// within three characters either side is the parallel construction.
fn is_parallel_you(text: &str, at: usize) -> bool {
    let after = text[at + '又'.len_utf8()..].chars().take(4).any(|c| c == '又');
    let before = text[..at].chars().rev().take(4).any(|c| c == '又');
    after || before
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize_mapped;

    fn signals(text: &str) -> Vec<(Signal, String)> {
        SignalMatcher::new()
            .find(&normalize_mapped(text), text)
            .into_iter()
            .map(|hit| (hit.signal, hit.matched))
            .collect()
    }

    #[test]
    fn spec_examples_trigger() {
        assert_eq!(
            signals("再不解决我就打12300投诉"),
            vec![(Signal::Regulator, "12300".to_owned())]
        );
        assert!(signals("我要找记者曝光你们")
            .iter()
            .any(|(s, m)| *s == Signal::Media && m == "记者"));
        assert!(signals("I will sue you in court")
            .iter()
            .any(|(s, m)| *s == Signal::Legal && m == "sue"));
        assert!(signals("I'll port my number to another carrier")
            .iter()
            .any(|(s, _)| *s == Signal::ChurnThreat));
        assert!(signals("第三次打电话了还是没解决")
            .iter()
            .any(|(s, m)| *s == Signal::RepeatMention && m == "第三次"));
        assert!(signals("Charged AGAIN this month")
            .iter()
            .any(|(s, m)| *s == Signal::RepeatMention && m == "AGAIN"));
    }

    #[test]
    fn spans_point_into_the_original_text() {
        let text = "ＦＣＣ and 記者";
        let hits = SignalMatcher::new().find(&normalize_mapped(text), text);
        let regulator = hits.iter().find(|h| h.signal == Signal::Regulator).unwrap();
        assert_eq!(&text[regulator.start..regulator.end], "ＦＣＣ");
        assert_eq!(regulator.matched, "ＦＣＣ");
        let media = hits.iter().find(|h| h.signal == Signal::Media).unwrap();
        assert_eq!(media.matched, "記者");
    }

    #[test]
    fn everyday_wordings_of_threats_and_repeats_trigger() {
        let has = |text: &str, signal: Signal| signals(text).iter().any(|(s, _)| *s == signal);
        for text in [
            "fix it or I'm porting my number out",
            "I'm switching to a different provider",
            "cancelling my account the second this is sorted",
            "再这样我就攜碼到别家",
            "再不给我退我就把号销了",
        ] {
            assert!(has(text, Signal::ChurnThreat), "{text}");
        }
        for text in [
            "third month in a row you've billed me",
            "Cust chased twice previously",
            "上个月也出过同样的事",
            "This is the 4th ticket",
            "讲了三遍同样的情况",
        ] {
            assert!(has(text, Signal::RepeatMention), "{text}");
        }
        assert!(has("如果再收到催缴，我就向消保官申诉", Signal::Regulator));
        // A double charge is a charge, not a repeat; a 5G upgrade is not churn.
        assert!(!has("I was charged twice for May", Signal::RepeatMention));
        assert!(!has("I want to switch to 5G", Signal::ChurnThreat));
    }

    #[test]
    fn the_lexicon_lists_each_keyword_once() {
        for (signal, words) in LEXICON {
            let mut sorted = words.to_vec();
            sorted.sort_unstable();
            let before = sorted.len();
            sorted.dedup();
            assert_eq!(before, sorted.len(), "{signal:?} repeats a keyword");
        }
    }

    #[test]
    fn whole_words_only_and_no_parallel_you() {
        assert!(
            signals("my issue with the bill").is_empty(),
            "{:?}",
            signals("my issue with the bill")
        );
        assert!(signals("网速又慢又卡").is_empty());
        assert!(!signals("又扣了我的钱").is_empty());
        assert!(signals("the newsletter").is_empty());
    }
}
