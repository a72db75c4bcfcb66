/**
 * The prompt-injection rules: general phrasings, not strings from any corpus. Each rule reads one view of
 * the normalised text (see screening-text.ts) and carries a weight; weights combine into a score, so a weak
 * hint (a "System:" line, one chat-template token) only counts together with another one.
 *
 * The `words` view is lower-case words separated by single spaces, accents dropped; in its patterns `_` is an
 * optional space, so "ignoreallpreviousinstructions" (from "i g n o r e …" or camelCase) matches too.
 */
export type InjectionSignalKind =
  | 'instruction-override'
  | 'role-spoofing'
  | 'template-token'
  | 'prompt-extraction'
  | 'encoded-payload'
  | 'hidden-text'
  /** The learned classifier's probability (injection-classifier.ts), mapped to a weight. */
  | 'classifier'
  /** A guard model's unsafe verdict (guard.ts). */
  | 'guard';

export type ScreeningView = 'words' | 'folded';

export interface InjectionRule {
  id: string;
  kind: InjectionSignalKind;
  weight: number;
  view: ScreeningView;
  pattern: RegExp;
  /** A cheap test on the same view; the rule runs only when it passes. */
  gate?: RegExp;
  /** A hand-written linear scan, used instead of trying the pattern where it could start (the pattern documents it). */
  scan?: (view: string) => boolean;
}

/** Start of a word in the `words` view, where single spaces separate words (works for every script, unlike \b). */
const B = String.raw`(?:^| )`;
/** End of a word in the `words` view. */
const E = String.raw`(?![\p{L}\p{N}])`;
/** Not right after a negation: "never ignore your instructions" is a rule, not an attack. */
const NOT_NEGATED = String.raw`(?<!(?:not|never|dont|don t|mustn t|shouldn t|cannot|can t|won t|refuse to|make you|get you to|trick you into|convince you to|asks you to|ask you to|tells you to|tries to get you to|without) )`;

function words(source: string): RegExp {
  return new RegExp(source.replaceAll('_', ' ?'), 'u');
}
function folded(source: string): RegExp {
  return new RegExp(source, 'u');
}
/** Rules of one kind on one view; a rule's own gate (4th element) replaces the group's. */
function rules(
  view: ScreeningView,
  kind: InjectionSignalKind,
  gate: RegExp | undefined,
  list: Array<[id: string, weight: number, pattern: RegExp, gate?: RegExp, scan?: (view: string) => boolean]>,
): InjectionRule[] {
  return list.map(([id, weight, pattern, own, scan]) => ({ id, kind, weight, view, pattern, gate: own ?? gate, ...(scan ? { scan } : {}) }));
}
/** A gate made of a rule's leading words (its verbs), which the rule needs at a word start: most messages have none. */
function leading(source: string): RegExp {
  return words(`${B}${source}`);
}
const CYRILLIC = /[\u0400-\u04ff]/u;

// ── English: instruction override ─────────────────────────────────────────────────────────────────────────
const EN_VERB = String.raw`(?:ignor(?:e|ing)|disregard(?:ing)?|forget(?:ting)?(?:_about)?|drop|overrid(?:e|ing)|overrule|bypass|circumvent|discard|abandon|dismiss|neglect|cancel|erase|delete|nullify|scrap|ditch|unlearn|set_aside|put_aside|throw_(?:away|out)|pay_no_attention_to|take_no_notice_of|(?:stop|quit)_(?:following|obeying|adhering_to)|(?:do_not|dont|don_t|no_longer)_(?:follow|obey|adhere_to|comply_with|listen_to))`;
/** Qualifiers that point at the model's own instructions: previous, above, system, your… */
const EN_THEIRS = String.raw`(?:your|ur|previous(?:ly)?|prior|preceding|above|earlier|former|foregoing|original|initial|old|existing|default|system|developers?|safety|hidden|programmed|preset|built_in|given|aforementioned|above_mentioned|current|core|base|internal)`;
const EN_EVERY = String.raw`(?:all|any|every|each|those)`;
const EN_QUAL = String.raw`(?:the|of|these|that|this|and|or|other|following|next|below|subsequent|further|whatever|such|kinds?|sorts?|sets?|list|types?|most|recent|ethical|moral|content|openai|meta|ai|assistant|model|chatbot|basic|main|standard|${EN_EVERY}|${EN_THEIRS})`;
const EN_RULES = String.raw`(?:instruction|directive|direction|rule|guideline|guidance|prompt|command|order|programming|training|constraint|restriction|guardrail|polic(?:y|ies)|safeguard|limitation|conditioning|persona)`;
const EN_POSITIONAL = String.raw`(?:previous(?:ly)?|prior|preceding|above|earlier|former|foregoing|initial|original|system|developer)`;
const EN_SEEN = String.raw`(?:message|text|input|conversation|content|context|request|task|paragraph|lines?|statement|words|said|written|discussion|chat)`;
/**
 * Instructions that sit in some material ("ignore any instructions in the document") are a defence, and rules
 * of a tool or a file ("ignore all rules for this file") are about code: neither is an attack.
 */
const IN_MATERIAL = String.raw`(?!\S* (?:that (?:are|appear|may be) )?(?:in|inside|within|contained in|embedded in|found in|from|appearing in|included in|hidden in) (?:the |a |an |any |this |these |those |such |user |)?(?:documents?|texts?|emails?|e mails?|pages?|websites?|web|inputs?|content|data|files?|tool|search|retrieved|pdfs?|articles?|reviews?|comments?|code|snippets?|results?|user content|third party))(?!\S* (?:for|in|on) (?:this|that|one|a|the|specific|certain|my|these|those|some|single|individual|particular|each|every) (?:\S+ )?(?:file|line|lines|files|folder|directory|block|function|module|project|repo|column|cell|page|test|tests|class|method))`;
/** Rules of a subject ("forget all the rules you know about dieting") are not the model's rules. */
const NOT_ABOUT_A_TOPIC = String.raw`(?!\S* (?:(?:that )?you (?:\S+ ){0,2})?(?:about|of|for|on|regarding|concerning) (?!(?:you|your|this conversation|the (?:system|assistant|ai|model|chat|conversation))${E}))`;
const ENGLISH_OVERRIDE = rules('words', 'instruction-override', leading(EN_VERB), [
  ['en-ignore-previous-instructions', 0.8, words(`${B}${NOT_NEGATED}${EN_VERB} (?:${EN_QUAL} ){0,4}?${EN_THEIRS} (?:${EN_QUAL} ){0,3}${EN_RULES}${IN_MATERIAL}`)],
  ['en-ignore-previous-instructions', 0.8, words(`${B}${NOT_NEGATED}${EN_VERB} ${EN_THEIRS}_${EN_RULES}${IN_MATERIAL}`)],
  ['en-ignore-all-instructions', 0.7, words(`${B}${NOT_NEGATED}${EN_VERB} (?:${EN_QUAL} ){0,3}?${EN_EVERY} (?:${EN_QUAL} ){0,3}${EN_RULES}${IN_MATERIAL}${NOT_ABOUT_A_TOPIC}`)],
  ['en-ignore-the-system-message', 0.8, words(`${B}${NOT_NEGATED}${EN_VERB} (?:${EN_QUAL} ){0,3}(?:system|developer|initial|hidden)_(?:message|prompt)s?${IN_MATERIAL}`)],
  ['en-ignore-instructions-you-were-given', 0.75, words(`${B}${NOT_NEGATED}${EN_VERB} (?:${EN_QUAL} ){0,3}${EN_RULES}s? (?:(?:that|which) )?(?:you (?:were|have been|ve been|got|received|had|was) (?:\S+ ){0,2}?(?:given|set up|provided|told|trained|programmed|configured|loaded|assigned|instructed|with|before|earlier)|(?:were |was )?(?:given|provided|handed|assigned|sent|passed) (?:to )?you|(?:\S+ ){0,3}?(?:earlier|before|previously|at the (?:start|beginning)|initially|originally))`)],
  ['en-ignore-the-instructions', 0.4, words(`${B}${NOT_NEGATED}${EN_VERB} (?:the |these |this |that )?${EN_RULES}${IN_MATERIAL}`)],
  ['en-ignore-all-previous-messages', 0.7, words(`${B}${NOT_NEGATED}${EN_VERB} (?:the |of )*(?:all|every|any|everything) (?:${EN_QUAL} ){0,2}${EN_POSITIONAL} (?:${EN_QUAL} ){0,2}${EN_SEEN}`)],
  ['en-ignore-previous-messages', 0.4, words(`${B}${NOT_NEGATED}${EN_VERB} (?:${EN_QUAL} ){0,3}${EN_POSITIONAL} (?:${EN_QUAL} ){0,2}${EN_SEEN}`)],
  ['en-ignore-everything-before', 0.75, words(`${B}${NOT_NEGATED}${EN_VERB} (?:all |of |about )*everything (?:\\S+ ){0,2}?(?:above|before|prior|previous|earlier|so far|until now|that came before|you (?:were|ve been|have been) (?:told|given|instructed|taught|programmed))`)],
  ['en-ignore-the-above', 0.45, words(`${B}${NOT_NEGATED}${EN_VERB} (?:all |of |everything |the |what is |what s |anything |what was (?:said|written) )*(?:above|before|before this|previous|prior|preceding|foregoing|earlier)(?: (?!${EN_RULES})\\S+)?$`)],
  ['en-ignore-the-above-and-do', 0.75, words(`${B}${NOT_NEGATED}${EN_VERB} (?:all |of |everything |the |what is |what s |anything |what was (?:said|written) )*(?:above|before|before this|previous|prior|preceding|foregoing|earlier)(?: \\S+){0,2}? (?:and|then|instead|now|just)(?: instead| just| now| only| simply)* (?:say|print|output|write|tell|respond|reply|answer|reveal|show|translate|act|pretend|do|follow|repeat|give|list|return|generate|spell|type|obey|execute|start)`)],
]);

const ENGLISH_OVERRIDE_OTHER = rules('words', 'instruction-override', undefined, [
  ['en-rules-no-longer-apply', 0.75, words(`${B}(?:your|the|all|any|these|those|my) (?:\\S+ ){0,2}${EN_RULES}s? (?:\\S+ ){0,2}(?:are|is|have been|has been|were|got|become|becomes) (?:now |hereby |officially |all |completely )*(?:void|null|cancel+ed|revoked|obsolete|lifted|suspended|disabled|removed|overridden|overwritten|replaced|deleted|invalid|outdated|irrelevant|(?:no longer|not) (?:valid|active|apply|applicable|relevant|in effect|binding))`), /void|null|cancel|revok|obsolete|lifted|suspend|disabl|remov|overrid|overwrit|replac|delet|invalid|outdated|irrelevant|longer|not (?:valid|active|appl|relev|in eff|bind)/u],
  ['en-rules-do-not-apply', 0.7, words(`${B}${EN_RULES}s? (?:\\S+ ){0,3}(?:no longer|do not|don t|does not|doesn t|won t) apply (?:to you|anymore|here|now|any more)`), / apply/u],
  ['en-override-system-prompt', 0.75, words(`${B}${NOT_NEGATED}(?:override|overwrite|replace|update|change|reset|modify|rewrite) (?:\\S+ ){0,2}(?:your|the) (?:\\S+ ){0,2}(?:system_prompt|system_message|system_instructions|initial_instructions|core_instructions|programming)${IN_MATERIAL}`), /system|initial|core|programming/u],
  ['en-your-new-instructions', 0.6, words(`${B}(?:your|the) (?:new|real|actual|true|updated|only) (?:system_prompt|instructions|rules|directives|task|objective|purpose|goal|orders|mission) (?:are|is|will be|from now on|now)`), /(?:new|real|actual|true|updated|only) (?:system|instr|rule|direct|task|objec|purpo|goal|order|missi)/u],
  ['en-you-have-no-rules', 0.6, words(`${B}(?:you (?:have|ve got|had|possess) no|you (?:are|re|will be) (?:not|no longer|never again) (?:bound|restricted|limited|constrained|held back|governed) by|not bound by (?:any|your)|free (?:yourself )?(?:from|of)|freed from|released from|break (?:free|out) (?:of|from))(?: all| any| your| the)*(?: \\S+){0,2} (?:rules|restrictions|guidelines|filters|limitations|limits|constraints|polic(?:y|ies)|ethics|morals|programming|censorship|guardrails|boundaries|principles|safeguards)`), / no |bound|restrict|limit|constrain|held back|govern|free|releas|break/u],
  ['en-disable-your-filters', 0.7, words(`${B}${NOT_NEGATED}(?:disable|deactivate|turn off|switch off|remove|lift|drop|bypass|circumvent|ignore|suspend|shut off) (?:all |any |of )*(?:your|ur) (?:own )?(?:\\S+ ){0,2}(?:filters?|restrictions|guardrails|safeguards|safety|censorship|content polic(?:y|ies)|alignment|ethics|limitations|moderation)`), /your|ur /u],
  ['en-do-anything-now', 0.85, words(`${B}(?:do_anything_now|dan_mode|dan_prompt|jailbreak_mode|jailbroken_mode|unrestricted_mode|unfiltered_mode|uncensored_mode|evil_mode|chaos_mode|no_restrictions_mode|opposite_mode|developer_mode_(?:output|response|enabled and|policies))`), /anything|mode|dan/u],
  ['en-enable-jailbreak-mode', 0.7, words(`${B}(?:enable|activate|enter|switch to|turn on|engage|unlock|initiate|start) (?:\\S+ ){0,2}(?:jailbreak|jailbroken|dan|unrestricted|unfiltered|uncensored|evil|god|sudo|developer|dev|debug|admin|root) mode (?:\\S+ ){0,6}?(?:you|your|ai|chatgpt|gpt|llama|assistant|model|bot|restrictions|filters|rules|policies|censorship|anything)`), / mode/u],
  ['en-system-override', 0.6, words(`${B}(?:system|admin|administrator|developer|root|security|emergency|master|god|sudo|priority) (?:level )?override`), /override/u],
  ['en-new-instructions-follow', 0.45, words(`${B}(?:new|updated|revised|real|actual|true|secret|important|additional|different) (?:system )?(?:instructions|rules|directives|orders|prompt) (?:follow|as follows|below|are as follows|take precedence|supersede|override)`), /follow|below|precedence|supersede|override/u],
  ['en-supersede', 0.55, words(`${B}(?:these|this|the following|my|following) (?:\\S+ ){0,2}(?:instructions?|rules|message|prompt|directives?) (?:take|takes) (?:precedence|priority) over`), /precedence|priority/u],
]);

const ENGLISH_PERSONA = rules('words', 'role-spoofing', undefined, [
  ['en-you-are-dan', 0.85, words(`${B}(?:you are|you re|ur|act as|acting as|pretend to be|pretend you are|roleplay as|role play as|become|play the role of|stay in character as|respond as|answer as|you will be|simulate) (?:now |going to be |a |an |the )*(?:dan|stan|mongo tom|evil confidant|anti ?gpt|betterdan|better dan|jailbroken (?:ai|assistant|model|chatbot|version))${E}`), /dan|stan|mongo|confidant|gpt|jailbr/u],
  ['en-you-are-unrestricted', 0.7, words(`${B}(?:you are|you re|act as|acting as|pretend to be|pretend you are|you will act as|behave as|respond as|answer as|roleplay as|role play as|simulate|become) (?:now |an |a |the |completely |totally |fully )*(?:unfiltered|uncensored|unrestricted|unaligned|amoral|unbound|limitless|jailbroken|rogue|unshackled|liberated) (?:\\S+ ){0,2}?(?:ai|assistant|model|chatbot|bot|version|llm|language model|entity|persona|mode|system|gpt|llama)`), /unfilter|uncensor|unrestrict|unalign|amoral|unbound|limitless|jailbr|rogue|unshackl|liberat/u],
  ['en-developer-mode', 0.7, words(`${B}(?:you are|you re|act as|acting as|simulate|pretend to be|respond as|answer as|behave as|you will (?:now )?(?:act|be|respond)) (?:now |in |as |with |a |an |the |running |operating )*(?:chatgpt |llama |ai |assistant |model )?(?:with )?(?:developer|dev) mode`), /dev/u],
  ['en-developer-mode-enabled', 0.4, words(`${B}(?:developer|dev) mode (?:enabled|activated|is on|on)`), /dev/u],
  ['en-you-are-now', 0.3, words(`${B}(?:you are now|you re now|now you are|now you re|from now on you|from now on ur|henceforth you|for the rest of (?:this|our|the) conversation you|you will now (?:act|be|respond|behave|answer|roleplay)|you must now)`), /now|henceforth|rest of/u],
  ['en-authority-claim', 0.35, words(`${B}(?:i am|i m|this is) (?:your|the|an?) (?:\\S+ )?(?:developer|creator|admin|administrator|owner|programmer|operator|maker|system administrator)s?${E}|${B}(?:message|note|instruction|update|order|directive) from (?:the |your )?(?:developers?|admins?|administrators?|system|openai|anthropic|meta|operators?|creators?)${E}`), /develop|creat|admin|owner|programm|operat|maker|system|open ?ai|anthropic|meta/u],
]);

// ── English: system prompt extraction ─────────────────────────────────────────────────────────────────────
const EXTRACT_VERB = String.raw`(?:repeat|print|reveal|show|display|output|tell|give|share|leak|dump|write|recite|spell|copy|paste|return|expose|disclose|divulge|list|echo|provide|send|state|type|read|translate|summari[sz]e|paraphrase|explain|describe|encode|quote|reproduce|render|what is|what are|what s|what were|whats)`;
const STRONG_LEAK_VERB = String.raw`(?:repeat|print|reveal|output|leak|dump|recite|copy|paste|expose|disclose|divulge|echo|quote|reproduce|spill)`;
const SECRET_OBJECT = String.raw`(?:system_prompt|system_message|system_instructions?|initial_prompt|original_prompt|hidden_prompt|secret_prompt|pre_?prompt|meta_prompt|developer_(?:prompt|message|instructions)|(?:initial|original|hidden|secret|first|starting|confidential|private|internal|core|underlying|base) (?:instructions|prompt|message|rules|directives|guidelines|configuration)|instructions you (?:were|have been|ve been) given|prompt you (?:were|have been|ve been) given)`;
const NOT_A_QUESTION_ABOUT_CODE = String.raw`(?<!how (?:do|can|should|would|to|could) (?:i |we |you )?(?:\S+ )?)`;
const NOT_IN_CODE = String.raw`(?! (?:in|from|of|for|with|using|via|inside) (?:my|our|a|an|langchain|python|javascript|typescript|code|openai|ollama|llama ?index|the (?:api|sdk|code|app|request|response|logs?|console|playground|template)))`;

const ENGLISH_EXTRACTION = rules('words', 'prompt-extraction', undefined, [
  ['en-reveal-your-system-prompt', 0.8, words(`${B}${NOT_NEGATED}${EXTRACT_VERB} (?:me |us |back |out |to me |all |of |exactly |verbatim |word for word |the contents of |the text of |the full |the entire |the complete |everything in |now )*(?:your|ur|thy) (?:\\S+ ){0,2}?${SECRET_OBJECT}`), /your|ur |thy/u],
  ['en-leak-your-instructions', 0.7, words(`${B}${NOT_NEGATED}${STRONG_LEAK_VERB} (?:me |us |back |out |to me |all |of |exactly |verbatim |word for word |the contents of |the text of |the full |the entire |the complete |everything in |now )*(?:your|ur|thy) (?:\\S+ ){0,2}?(?:instructions|prompt|rules|guidelines|directives|configuration|programming|setup|context)`), /your|ur |thy/u],
  ['en-what-are-your-instructions', 0.4, words(`${B}${NOT_NEGATED}(?:what (?:are|were|is) |tell me |show me |give me |list |share |describe |explain )(?:all |of |exactly )*(?:your|ur) (?:\\S+ )?(?:instructions|prompt|directives|programming)`), /your|ur /u],
  ['en-print-the-system-prompt', 0.55, words(`${B}${NOT_NEGATED}${NOT_A_QUESTION_ABOUT_CODE}${EXTRACT_VERB} (?:me |us |back |out |to me |all |of |exactly |verbatim |word for word |the contents of |the text of |the full |the entire |the complete |now )*(?:the|this|that) (?:full |entire |complete |exact |current )?${SECRET_OBJECT}${NOT_IN_CODE}`), /prompt|message|instruc|rule|directive|guideline|config/u],
  ['en-repeat-text-above', 0.45, words(`${B}${NOT_NEGATED}(?:repeat|print|output|reveal|show|display|copy|paste|echo|recite|return|write|dump|type|translate|spell|give) (?:me |us |back |out )*(?:all |everything |every word |each word |exactly |verbatim |the |of |all of )*(?:text|words|content|lines|sentences|message|messages|instructions|prompt|everything|what was written|what is written|what s written|conversation|characters|tokens|above)? ?(?:above|before this|before|prior to this|that came before|preceding|at the (?:start|beginning|top))`), /above|before|prior|preceding|start|beginning|top/u],
  ['en-repeat-text-above-verbatim', 0.8, words(`${B}${NOT_NEGATED}(?:repeat|print|output|reveal|show|display|copy|paste|echo|recite|return|write|dump|type|spell|give) (?:\\S+ ){0,8}?(?:above|before this|prior to this|that came before|preceding|at the (?:start|beginning|top)|so far|in your context)(?: \\S+){0,10}? (?:verbatim|word for word|in full|in its entirety|exactly as|unchanged|without (?:changes|modification|omitting)|starting (?:with|from)|from the (?:very )?(?:start|beginning|top)|including everything|in a code ?block|in a txt code block|as is)`), /above|before|prior|preceding|start|beginning|top|so far|context/u],
  ['en-what-does-your-system-prompt-say', 0.75, words(`${B}(?:what|how) (?:does|do|did|is|would) (?:your|ur) (?:\S+ )?${SECRET_OBJECT} (?:say|says|contain|look like|read|state|tell you|begin|start|include)`), /your|ur /u],
  ['en-what-were-you-told', 0.7, words(`${B}(?:what|which) (?:exact |specific |secret |hidden )?(?:instructions|rules|prompt|guidelines|directions|system_prompt|directives) (?:were you|have you been|did you get|did they give you|were given to you|are you following|you were given|did your (?:developers|creators) give you)|${B}what (?:were|was|have) you (?:been )?(?:told|instructed|programmed|asked) (?:to do |to say )?(?:before|at the (?:start|beginning)|initially|originally|by (?:your|the) (?:developers?|creators?|system|operator|admin))`), /instruc|rule|prompt|guideline|direction|directive|told|programmed|asked/u],
  ['en-everything-above-this-line', 0.6, words(`${B}(?:everything|all (?:the )?text|all the words|the text|the words) (?:written |that appears |that is )?(?:above|before) (?:this (?:line|message|point|sentence)|the (?:line|phrase|words?)|my (?:first )?message)`), /above|before/u],
]);

// ── Other languages: override and extraction, on the same `words` view (accents dropped) ───────────────────
const MULTILINGUAL_OVERRIDE = rules('words', 'instruction-override', undefined, [
  ['es-ignora-instrucciones-anteriores', 0.8, words(`${B}(?:ignora|ignore|ignoren|ignorar|olvida|olvide|olviden|olvidar|olvidate de|descarta|descarte|descartar|omite|omita|omitir|desobedece|no sigas|no obedezcas|haz caso omiso (?:a|de)|no hagas caso (?:a|de)|pasa por alto|anula|deja de seguir|abandona) (?:(?:todas?|todos?|las|los|tus|sus|de|del|la|el|cualquier|anteriores|previas|previos|anteriormente|dadas|recibidas|originales|iniciales|de arriba|sistema|lo|que|te|se|han|dado|dieron) ){0,4}(?:instrucciones|instruccion|indicaciones|reglas|ordenes|directrices|directivas|normas|restricciones|prompt|mensaje del sistema|lo anterior|todo lo anterior|lo que te (?:dijeron|han dicho))`), leading(String.raw`(?:ignora|ignore|ignoren|ignorar|olvida|olvide|olviden|olvidar|olvidate de|descarta|descarte|descartar|omite|omita|omitir|desobedece|no sigas|no obedezcas|haz caso omiso (?:a|de)|no hagas caso (?:a|de)|pasa por alto|anula|deja de seguir|abandona)`)],
  ['fr-ignore-instructions-precedentes', 0.8, words(`${B}(?:ignore|ignorez|ignorer|ignores|oublie|oubliez|oublier|ne tiens pas compte|ne tenez pas compte|fais abstraction|faites abstraction|neglige|negligez|omets|omettez|passe outre|passez outre|desobeis|desobeissez|annule|annulez|ne suis plus|ne suivez plus|abandonne|abandonnez) (?:(?:toutes?|tous|tout|les|la|le|l|tes|vos|ton|votre|des|de|du|d|precedentes?|precedents?|anterieures?|ci dessus|plus haut|initiales?|originales?|systeme|donnees|recues|qu|on|t|a|ete|que|ce|qui|precede|a propos) ){0,4}(?:instructions?|consignes?|regles|directives|indications|ordres|prompt|message systeme|invite systeme|ce qui precede|tout ce qui precede|tout ce qu on t a dit)`), leading(String.raw`(?:ignore|ignorez|ignorer|ignores|oublie|oubliez|oublier|ne tiens pas compte|ne tenez pas compte|fais abstraction|faites abstraction|neglige|negligez|omets|omettez|passe outre|passez outre|desobeis|desobeissez|annule|annulez|ne suis plus|ne suivez plus|abandonne|abandonnez)`)],
  ['de-ignoriere-vorherige-anweisungen', 0.8, words(`${B}(?:ignoriere|ignorier|ignoriert|ignorieren|vergiss|vergesst|vergessen|missachte|missachten|uberspringe|ueberspringe|ubergehe|uebergehe|verwirf|verwerfe|befolge (?:keine|nicht)|folge nicht|hebe) (?:(?:alle|alles|samtliche|saemtliche|die|deine|ihre|eure|bisherigen|vorherigen|vorigen|vorangegangenen|fruheren|frueheren|obigen|oben|genannten|ursprunglichen|urspruenglichen|gegebenen|erhaltenen|system|bitte|sofort|jetzt|einfach|mehr|bis|bisher|zuvor|vorher|und|sie|du|dir|mir) ){0,4}(?:anweisung|instruktion|regeln|befehle|vorgaben|anordnungen|richtlinien|systemanweisung|systemprompt|system prompt|einschrankungen|beschrankungen|direktiven)`), leading(String.raw`(?:ignoriere|ignorier|ignoriert|ignorieren|vergiss|vergesst|vergessen|missachte|missachten|uberspringe|ueberspringe|ubergehe|uebergehe|verwirf|verwerfe|befolge (?:keine|nicht)|folge nicht|hebe)`)],
  // Starts at the adjective: "alle/deine/die …" before it change nothing about whether it matches.
  ['de-anweisungen-ignorieren', 0.75, words(`${B}(?:bisherigen |vorherigen |vorigen |obigen |fruheren |ursprunglichen )(?:anweisungen|instruktionen|regeln|befehle|vorgaben|richtlinien) (?:\\S+ ){0,2}(?:ignorieren|vergessen|missachten|ubergehen|verwerfen|nicht (?:mehr )?befolgen)`)],
  ['de-vergiss-alles', 0.75, words(`${B}(?:vergiss|vergessen sie|ignoriere|ignorieren sie) alles(?: \\S+){0,4} (?:vorher|zuvor|bisher|oben|davor|gesagt|gesagte|bisherige|vorherige|obige)`), leading(String.raw`(?:vergiss|vergessen sie|ignoriere|ignorieren sie)`)],
  ['pt-ignore-instrucoes-anteriores', 0.8, words(`${B}(?:ignore|ignora|ignorem|ignorar|esqueca|esquece|esquecam|esquecer|desconsidere|desconsidera|desconsiderar|despreze|despreza|descarte|descarta|nao siga|nao obedeca|deixe de seguir|pare de seguir|abandone|anule|pule) (?:(?:todas?|todos?|tudo|as|os|suas|seus|tuas|teus|sua|seu|de|das|dos|anteriores|previas|previos|acima|iniciais|originais|dadas|recebidas|sistema|do|o|que|te|foram|lhe|foi|dito) ){0,4}(?:instrucoes|instrucao|regras|ordens|diretrizes|diretivas|orientacoes|indicacoes|comandos|restricoes|prompt|mensagem do sistema|o que foi dito|tudo acima)`), leading(String.raw`(?:ignore|ignora|ignorem|ignorar|esqueca|esquece|esquecam|esquecer|desconsidere|desconsidera|desconsiderar|despreze|despreza|descarte|descarta|nao siga|nao obedeca|deixe de seguir|pare de seguir|abandone|anule|pule)`)],
  ['it-ignora-istruzioni-precedenti', 0.8, words(`${B}(?:ignora|ignori|ignorate|ignorare|dimentica|dimentichi|dimenticate|dimenticare|trascura|tralascia|non considerare|non tenere conto|non seguire|non rispettare|smetti di seguire|annulla|scarta|disattendi) (?:(?:tutte?|tutti|tutto|le|gli|i|il|la|l|tue|tuoi|sue|suoi|delle|degli|di|dei|precedenti|sopra|iniziali|originali|ricevute|date|del|sistema|quello|che|ti|e|stato|detto|quanto) ){0,4}(?:istruzioni|istruzione|regole|indicazioni|direttive|ordini|consegne|comandi|restrizioni|prompt|messaggio di sistema|quanto detto|quanto sopra|cio che)`), leading(String.raw`(?:ignora|ignori|ignorate|ignorare|dimentica|dimentichi|dimenticate|dimenticare|trascura|tralascia|non considerare|non tenere conto|non seguire|non rispettare|smetti di seguire|annulla|scarta|disattendi)`)],
  ['ru-ignore-instructions', 0.8, words(`${B}(?:игнорируи|игнорируите|проигнорируи|проигнорируите|игнорировать|забудь|забудьте|забыть|отбрось|отбросьте|отмени|отмените|не обращаи внимания на|не обращаите внимания на|не следуи|не следуите|не выполняи|не выполняите|пренебреги|перестань следовать|перестаньте следовать|сбрось) (?:(?:все|всех|всем|свои|своих|твои|твоих|ваши|ваших|предыдущие|предыдущих|прежние|прежних|предшествующие|вышеуказанные|вышеизложенные|приведенные|выше|данные|ранее|полученные|системные|системных|исходные|изначальные|первоначальные|эти|этих|те|на|о|и|тебе|вам) ){0,4}(?:инструкци|указани|правил|команд|установк|директив|ограничени|промпт|систем|все что|что тебе)`), CYRILLIC],
  ['ru-forget-everything', 0.75, words(`${B}(?:забудь|забудьте|игнорируи|игнорируите) (?:все|всё) (?:что )?(?:\\S+ ){0,2}(?:говорили|сказали|было сказано|выше|ранее|до этого|прежде)`), CYRILLIC],
  ['nl-negeer-instructies', 0.8, words(`${B}(?:negeer|vergeet|veronachtzaam|negeren) (?:(?:alle|de|je|jouw|uw|eerdere|vorige|voorgaande|bovenstaande|oorspronkelijke) ){1,3}(?:instructies|regels|opdrachten|aanwijzingen|richtlijnen)`), leading(String.raw`(?:negeer|vergeet|veronachtzaam|negeren)`)],
  ['pl-zignoruj-instrukcje', 0.8, words(`${B}(?:zignoruj|ignoruj|zapomnij|pomin|zignorujcie|zapomnijcie) (?:o )?(?:(?:wszystkie|wszystkich|poprzednie|poprzednich|wczesniejsze|wczesniejszych|swoje|twoje|powyzsze|powyzszych|dotychczasowe) ){1,3}(?:instrukcje|instrukcji|polecenia|polecen|zasady|zasad|reguly|regul)`), leading(String.raw`(?:zignoruj|ignoruj|zapomnij|pomin|zignorujcie|zapomnijcie)`)],
  ['tr-talimatlari-yok-say', 0.8, words(`${B}(?:onceki|yukaridaki|tum|butun|daha onceki) (?:\\S+ ){0,2}(?:talimatlari|talimatlar|kurallari|komutlari|yonergeleri) (?:\\S+ )?(?:yok say|gormezden gel|unut|dikkate alma|umursama|gec)`), leading(String.raw`(?:onceki|yukaridaki|tum|butun|daha onceki)`)],
]);

const CJK_AND_OTHER_SCRIPTS_OVERRIDE = rules('folded', 'instruction-override', /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0600-\u06ff\u0900-\u097f]/u, [
  ['zh-ignore-previous-instructions', 0.8, folded(`(?:忽略|忽视|忽視|无视|無視|忘记|忘記|忘掉|跳过|跳過|抛弃|拋棄|放弃|放棄|覆盖|覆蓋|绕过|繞過|撤销|撤銷|丢弃|丟棄|不要理会|不要理會|不要遵守|不再遵守|不要遵循|不再遵循|停止遵循|别管|別管|不用管)(?:掉)?(?:你|您)?(?:的)?(?:之前|以前|先前|此前|上面|上述|以上|前面|上文|原来|原來|原先|最初|初始|所有|全部|一切|收到|被给予|被給予|系统|系統|开发者|開發者|这些|這些|那些|任何|的|得|给你|給你|你的)+(?:指令|指示|说明|說明|规则|規則|提示词|提示詞|提示|命令|设定|設定|要求|约束|約束|限制|内容|內容|对话|對話|规定|規定)`)],
  ['zh-forget-what-you-were-told', 0.75, folded(`(?:忘记|忘記|忽略|无视|無視)(?:你|您)?(?:之前|以前|先前)?(?:被告知|被告訴|收到|听到|聽到|学到|學到)的(?:一切|所有|全部|东西|東西|内容|內容)`)],
  ['ja-ignore-previous-instructions', 0.8, folded(`(?:以前|前|上記|これまで|先ほど|上|最初|今まで)の(?:すべての|全ての)?(?:指示|命令|ルール|指令|プロンプト|設定|制約)(?:を|は)(?:すべて|全て)?(?:無視|忘れ)`)],
  ['ko-ignore-previous-instructions', 0.8, folded(`(?:이전|앞의|앞선|위의|기존)\\s?(?:의\\s)?(?:모든\\s)?(?:지시|명령|지침|규칙|프롬프트|설정)(?:사항)?(?:을|를|은|는)?\\s?(?:모두\\s|전부\\s)?(?:무시|잊어)`)],
  ['ar-ignore-instructions', 0.8, folded(`(?:تجاهل|انس|أهمل|اهمل|تجاهلي)\\s?(?:جميع|كل)?\\s?(?:ال)?(?:تعليمات|أوامر|اوامر|قواعد|إرشادات|ارشادات)`)],
  ['hi-ignore-instructions', 0.8, folded(`(?:पिछले|पिछली|पहले के|सभी|ऊपर के|पूर्व)(?:\\s\\S+){0,2}\\s(?:निर्देशों|निर्देश|नियमों|नियम|आदेशों)\\s(?:को\\s)?(?:अनदेखा|भूल|नज़रअंदाज़|नजरअंदाज|अनसुना)`)],
]);

const MULTILINGUAL_EXTRACTION = rules('words', 'prompt-extraction', undefined, [
  ['es-revela-tu-prompt', 0.7, words(`${B}(?:muestra|muestrame|revela|revelame|repite|repiteme|imprime|dime|ensename|escribe|escribeme|dame|cual es|cuales son|comparte) (?:\\S+ ){0,3}?(?:tu|tus|su|sus) (?:\\S+ ){0,2}?(?:prompt|instrucciones (?:iniciales|originales|ocultas|secretas|del sistema)|mensaje del sistema|indicaciones del sistema|instrucciones de sistema)`), leading(String.raw`(?:muestra|muestrame|revela|revelame|repite|repiteme|imprime|dime|ensename|escribe|escribeme|dame|cual es|cuales son|comparte)`)],
  ['fr-revele-ton-prompt', 0.7, words(`${B}(?:revele|revelez|montre|montrez|affiche|affichez|repete|repetez|imprime|imprimez|donne|donnez|dis|dites|ecris|ecrivez|recite|quel est|quelles sont)(?: moi| nous)? (?:\\S+ ){0,3}?(?:ton|tes|votre|vos) (?:\\S+ ){0,2}?(?:prompt|instructions (?:initiales|originales|cachees|secretes|systeme)|message systeme|invite systeme|consignes (?:initiales|systeme|secretes))`), leading(String.raw`(?:revele|revelez|montre|montrez|affiche|affichez|repete|repetez|imprime|imprimez|donne|donnez|dis|dites|ecris|ecrivez|recite|quel est|quelles sont)`)],
  ['de-zeige-deinen-systemprompt', 0.7, words(`${B}(?:zeig|zeige|zeigen sie|gib|geben sie|nenne|nennen sie|wiederhole|wiederholen sie|verrate|verraten sie|drucke|schreib|schreibe|was ist|was sind|gib aus)(?: mir| uns)? (?:\\S+ ){0,3}?(?:dein|deine|deinen|deiner|ihre|ihren|euren) (?:\\S+ ){0,2}?(?:systemprompt|system prompt|prompt|systemanweisungen|systemnachricht|ursprunglichen anweisungen|geheimen anweisungen|versteckten anweisungen|anfangsanweisungen)`), leading(String.raw`(?:zeig|zeige|zeigen sie|gib|geben sie|nenne|nennen sie|wiederhole|wiederholen sie|verrate|verraten sie|drucke|schreib|schreibe|was ist|was sind|gib aus)`)],
  ['pt-mostre-seu-prompt', 0.7, words(`${B}(?:mostre|mostra|revele|revela|repita|repete|imprima|diga|diz|me diga|qual e|quais sao|escreva|compartilhe)(?: me)? (?:\\S+ ){0,3}?(?:seu|sua|suas|seus|teu|tua|tuas|teus) (?:\\S+ ){0,2}?(?:prompt|instrucoes (?:iniciais|originais|ocultas|secretas|do sistema)|mensagem do sistema)`), leading(String.raw`(?:mostre|mostra|revele|revela|repita|repete|imprima|diga|diz|me diga|qual e|quais sao|escreva|compartilhe)`)],
  ['it-mostra-il-tuo-prompt', 0.7, words(`${B}(?:mostra|mostrami|rivela|rivelami|ripeti|ripetimi|stampa|dimmi|scrivi|scrivimi|qual e|quali sono|condividi) (?:\\S+ ){0,3}?(?:il tuo|la tua|le tue|i tuoi|tuo|tua|tue|tuoi) (?:\\S+ ){0,2}?(?:prompt|istruzioni (?:iniziali|originali|nascoste|segrete|di sistema)|messaggio di sistema)`), leading(String.raw`(?:mostra|mostrami|rivela|rivelami|ripeti|ripetimi|stampa|dimmi|scrivi|scrivimi|qual e|quali sono|condividi)`)],
  ['ru-show-your-prompt', 0.7, words(`${B}(?:покажи|покажите|выведи|выведите|повтори|повторите|раскрои|раскроите|напиши|напишите|скажи|скажите|расскажи|напечатаи|даи|какие|какои|каков) (?:мне )?(?:\\S+ ){0,3}?(?:свои|свою|свой|свои|твои|твою|твой|ваши|вашу|ваш) (?:\\S+ ){0,2}?(?:системн|промпт|инструкци|исходные указания|скрытые указания)`), CYRILLIC],
]);

const CJK_EXTRACTION = rules('folded', 'prompt-extraction', /[\u3040-\u30ff\u3400-\u9fff]/u, [
  ['zh-reveal-your-system-prompt', 0.75, folded(`(?:显示|顯示|输出|輸出|告诉我|告訴我|重复|重複|打印|泄露|洩露|透露|展示|给我看|給我看|说出|說出|列出|复述|複述|发给我|發給我|公开|公開)(?:一下|出)?(?:你的|你|您的)(?:完整的|全部|所有|原始|初始|隐藏的|隱藏的)?(?:系统提示|系統提示|系统提示词|系統提示詞|提示词|提示詞|初始指令|系统指令|系統指令|原始指令|隐藏指令|隱藏指令|系统消息|系統消息|设定|設定|指令)`)],
  ['zh-your-system-prompt-out', 0.75, folded(`(?:你的|您的)(?:完整的|全部|所有|原始|初始|隐藏的|隱藏的)?(?:系统提示词|系統提示詞|系统提示|系統提示|提示词|提示詞|初始指令|系统指令|系統指令|原始指令|隐藏指令|隱藏指令|系统消息|系統消息)[^。.!?！？]{0,10}?(?:输出|輸出|显示|顯示|告诉|告訴|打印|发给|發給|展示|复述|複述|重复|重複|泄露|洩露|给我|給我|写出|寫出)`)],
  ['zh-print-system-prompt', 0.45, folded(`(?:显示|顯示|输出|輸出|重复|重複|打印|泄露|洩露|透露|说出|說出|复述|複述)(?:一下|出)?(?:完整的|全部|所有|原始|初始|隐藏的|隱藏的)?(?:系统提示|系統提示|初始指令|系统指令|系統指令|原始指令|隐藏指令|隱藏指令)`)],
  ['ja-reveal-system-prompt', 0.7, folded(`(?:あなたの)?(?:システムプロンプト|初期指示|隠された指示|元の指示|最初の指示)(?:を|の内容を)(?:表示|教え|出力|見せ|繰り返|書き出)`)],
]);

/** What follows a spoofed role label when it gives orders. */
const ROLE_CUE = String.raw`(?:you\b|your\b|ignore|disregard|forget|new\b|always|never|from now on|override|the (?:user|assistant|ai|model)|reveal|respond|answer|reply|do not|don'?t|act\b|pretend|i am|i'm|all\b|previous|stop|reset|enable|disable|switch|activate)`;

/** A delimiter line that ends something, then one that begins something, within 2,000 characters ("--- END MESSAGE --- … --- BEGIN MESSAGE ---"). */
const DELIMITER_END = /(?:-{3,}|={3,}|\*{3,}|#{3,}|%{3,}|~{3,}) ?end\b/gu;
const DELIMITER_BEGIN = /(?:-{3,}|={3,}|\*{3,}|#{3,}|%{3,}|~{3,}) ?(?:begin|start|new)\b/gu;
function FAKE_BOUNDARY_PAIR(view: string): boolean {
  return followedWithin(view, DELIMITER_END, DELIMITER_BEGIN, 2000);
}
/** Whether a match of `second` starts within `maxGap` characters after the end of some match of `first` (each searched once). */
function followedWithin(view: string, first: RegExp, second: RegExp, maxGap: number): boolean {
  const ends = [...view.matchAll(first)].map((match) => match.index + match[0].length);
  if (ends.length === 0) return false;
  let latest = -1;
  let next = 0;
  for (const match of view.matchAll(second)) {
    while (next < ends.length && ends[next]! <= match.index) latest = ends[next++]!;
    if (latest >= 0 && match.index - latest <= maxGap) return true;
  }
  return false;
}

// ── Role spoofing: fake turns, headers and tags (folded view keeps punctuation and lines) ───────────────────
const ROLE_SPOOFING = rules('folded', 'role-spoofing', /system|sys\b|assistant|developer|dev\b|admin|root|\bai\b|bot|gpt|llama|model/u, [
  ['role-line-label', 0.3, folded(String.raw`(?:^|\n)\s*(?:\[|<|\{|\(|#+\s*|\*\*|>\s*)?\s*(?:system|sys|system prompt|system message|developer|dev|admin|administrator|root|assistant|ai assistant)\s*(?:\]|>|\}|\)|\*\*)?\s*(?:message|prompt|note|instruction|override|update)?\s*:`)],
  ['role-line-label-with-instruction', 0.65, folded(String.raw`(?:^|\n|[.!?]\s)\s*(?:\[|<|\{|\(|#+\s*|\*\*|>\s*)?\s*(?:system|sys|system prompt|system message|developer|dev|admin|administrator|root)\s*(?:\]|>|\}|\)|\*\*)?\s*(?:message|prompt|note|notice|alert|announcement|directive|command|instruction|override|update)?\s*(?:\]|>|\}|\))?\s*:\s*(?:\*\*)?\s*${ROLE_CUE}`)],
  ['assistant-line-agrees', 0.55, folded(String.raw`(?:^|\n)\s*(?:\[|<|#+\s*|\*\*)?\s*(?:assistant|ai|bot|gpt|chatgpt|llama|model)\s*(?:\]|>|\*\*)?\s*:\s*(?:sure|certainly|of course|okay|ok|absolutely|understood|i will|i'll|here (?:is|are)|my (?:system )?(?:prompt|instructions))`)],
  ['fake-transcript', 0.35, folded(String.raw`(?:^|\n)\s*(?:user|human|me|customer)\s*:[^\n]*\n(?:[^\n]*\n){0,3}\s*(?:assistant|ai|bot|gpt|chatgpt|llama|model)\s*:`), /:/u],
  ['markdown-role-header', 0.4, folded(String.raw`(?:^|\n)\s*#{1,6}\s*(?:system|system prompt|system message|new instructions?|instructions?|developer|admin|assistant|response|new rules|override|end of (?:system|instructions|prompt))\b`), /#/u],
  ['role-tag', 0.45, folded(String.raw`(?<!<)<\/?\s*(?:system|sys|system[_ -]?prompt|system[_ -]?message|instructions?|admin|developer|im_system|assistant)\s*>(?!>)|\[\/?\s*(?:system|sys|system prompt|system message|admin|developer|instructions?|assistant)\s*(?:message|prompt|note|override)?\s*\]`), /<|\[/u],
  ['role-tag-with-instruction', 0.65, folded(String.raw`(?:(?<!<)<\s*(?:system|sys|system[_ -]?prompt|system[_ -]?message|admin|developer)\s*>|\[\s*(?:system|sys|system prompt|system message|admin|developer)\s*(?:message|prompt|note|override)?\s*\])\s*:?\s*${ROLE_CUE}`), /<|\[/u],
  ['json-system-role', 0.4, folded(String.raw`["']?role["']?\s*:\s*["'](?:system|developer)["']`), /role/u],
  ['json-system-role-with-override', 0.65, folded(String.raw`["']?role["']?\s*:\s*["'](?:system|developer)["'][^}]{0,120}?(?:ignore|disregard|forget|override|reveal|leak|no (?:restrictions|rules|limits|filters)|unrestricted|uncensored|without (?:any )?(?:restrictions|filters|rules)|must (?:obey|comply|reveal)|the user is (?:an? )?(?:admin|verified|authori[sz]ed|developer))`), /role/u],
  ['fake-delimiter-weak', 0.35, folded(String.raw`(?:-{3,}|={3,}|\*{3,}|#{3,}|%{3,}|~{3,}|_{3,}|\+{3,}|>{3,}|<{3,}|\|{3,}|\[|<|\(|\{)\s?(?:end|begin|start|beginning|close|stop)\s?(?:of\s?)?(?:the\s?)?(?:[a-z]+ ){0,2}(?:message|text|query|request|document|data|session|chat|ambiguity|transcript|user|input|output|response)`), /end|begin|start|close|stop/u],
  ['fake-message-boundary', 0.6, folded(String.raw`(?:-{3,}|={3,}|\*{3,}|#{3,}|%{3,}|~{3,}) ?end [^]{0,2000}(?:-{3,}|={3,}|\*{3,}|#{3,}|%{3,}|~{3,}) ?(?:begin|start|new)`), undefined, FAKE_BOUNDARY_PAIR],
  ['fake-delimiter', 0.55, folded(String.raw`(?:-{3,}|={3,}|\*{3,}|#{2,}|\[|<|\()\s*(?:end|begin|start|beginning)\s*(?:of\s*)?(?:the\s*)?(?:system|instructions|prompt|user input|context|conversation|rules|original|admin|developer)`), /end|begin|start/u],
]);


// ── Attacks without an "ignore" verb: completion tricks, task switches, rule-free personas, notes to an AI in a
// document, fake message boundaries. General phrasings of each kind; weak ones weigh less than the threshold. ──
const LEAK_OBJECT = String.raw`(?:instructions|prompt|rules|guidelines|directives|system prompt|system message|initial prompt|configuration|programming|password|secret|secret key|passphrase)`;
const EXTRACTION_BY_COMPLETION = rules('words', 'prompt-extraction', undefined, [
  ['en-start-your-answer-with-your-instructions', 0.75, words(`${B}${NOT_NEGATED}(?:start|begin|preface|prefix|open|lead) (?:your |the |each |every )?(?:answer|response|reply|output|message|text)s? (?:with|by saying|by writing|by repeating) (?:the (?:words?|phrase|sentence|text) )?(?:\\S+ ){0,2}?(?:my|your|the) (?:\\S+ )?${LEAK_OBJECT}`)],
  ['en-complete-the-sentence-about-your-instructions', 0.7, words(`${B}(?:complete|continue|finish|fill in|autocomplete) (?:\\S+ ){0,5}?(?:i (?:was|am|have been|ve been|m) (?:instructed|told|programmed|asked|designed|configured|prompted|initiali[sz]ed)|my (?:\\S+ )?${LEAK_OBJECT} (?:are|is|say|says|were|was)|the (?:secret |hidden )?(?:system prompt|password|secret (?:key|word|code)|passphrase) (?:is|was))`)],
  ['en-repeat-everything-in-your-prompt', 0.75, words(`${B}${NOT_NEGATED}${NOT_A_QUESTION_ABOUT_CODE}(?:repeat|print|output|show|reveal|display|dump|list|echo|recite|copy|reproduce|return|write out|spell out|tell me) (?:back )?(?:me )?(?:everything|all|each line|every line|the text|the contents|all the text|all the words|word for word|verbatim|exactly what is|what is|what s) (?:\\S+ ){0,2}?(?:in|of|from|inside|within) (?:your|the|this) (?:system prompt|system message|instructions|initial prompt|prompt|context window|context|pre prompt|preprompt|configuration|setup)`)],
  ['en-output-your-initialization', 0.7, words(`${B}${NOT_NEGATED}${NOT_A_QUESTION_ABOUT_CODE}(?:output|print|show|reveal|display|dump|return|give me|echo|tell me|repeat|leak) (?:your |the |all |me |of ){0,3}(?:initiali[sz]ation|init|startup|boot|hidden|secret|internal) (?:string|text|prompt|instructions|message|config|configuration|settings|parameters|rules|password|key|phrase)s?`)],
  ['en-output-previous-instructions', 0.55, words(`${B}${NOT_NEGATED}${NOT_A_QUESTION_ABOUT_CODE}(?:output|print|show|reveal|display|dump|return|give me|echo|tell me|repeat|leak|list) (?:your |the |all |me |of ){0,3}(?:initial|original|previous|prior|preceding|earlier|above|first|starting) (?:instructions|prompt|prompts|directives|guidelines|configuration|password)${NOT_IN_CODE}`)],
  ['en-what-is-the-password', 0.35, words(`${B}${NOT_NEGATED}(?:what is|what s|whats|tell me|give me|reveal|share|spell|print|say|output|write) (?:me )?(?:the |your )(?:secret |hidden )?(?:password|passphrase|passcode|secret key|secret word|secret code|access code)`)],
]);

const TASK_SWITCH = rules('words', 'instruction-override', undefined, [
  ['en-stop-everything-and-print', 0.55, words(`${B}${NOT_NEGATED}(?:stop|halt|cancel|abort|pause|drop|quit) (?:everything|all of (?:that|this)|what you re doing|what you are doing|all tasks?|your (?:current )?task|the (?:current )?task|all (?:previous|prior) (?:tasks|work)|immediately|right now|now) (?:\\S+ ){0,4}?(?:print|say|write|output|type|repeat|respond|reply|answer|tell|show|return)`)],
  ['en-that-is-done-now-write', 0.3, words(`${B}(?:that is|that s|this is|it is|it s) (?:\\S+ )?(?:done|finished|complete|completed|over|enough)(?: \\S+){0,3}? (?:now|next)(?: \\S+){0,3}? (?:write|print|say|tell|answer|output|ignore|forget|give|show|respond|generate|create|reply)`)],
  ['en-forget-previous-tasks', 0.45, words(`${B}${NOT_NEGATED}${EN_VERB} (?:about )?(?:(?:all|the|your|any|every|my|these|those|that|this|of) ){0,3}(?:previous |prior |above |earlier |former |other |old |preceding |past )?(?:tasks?|assignments?|jobs?|exercises?) (?:\\S+ ){0,3}?(?:now|instead|and|focus|concentrate|new|from now on|only)`)],
  ['en-new-task-follows', 0.4, words(`${B}(?:your|the|a|my) (?:new|next|real|actual|true|only|final|urgent) (?:task|assignment|job|mission|objective|goal|order|command)s? (?:is|are|will be|for you|from now on|follows|as follows)`)],
]);

const RULE_FREE = String.raw`(?:has no|have no|doesn t have any|does not have any|don t have any|without any|with no|is free (?:of|from)|isn t bound by|is not bound by|aren t bound by|are not bound by|not bound by|doesn t have to abide by|does not have to abide by|don t have to abide by|not have to abide by|no longer has to (?:follow|abide by|obey)|never refuses?|doesn t refuse|does not refuse|won t refuse|will never refuse|can do anything|can say anything|ignores? all|doesn t follow|does not follow|don t follow|has broken free of|broke free of|is unfiltered|is uncensored|is amoral|doesn t care about|does not care about)`;
const PERSONA_WITHOUT_RULES = rules('words', 'role-spoofing', undefined, [
  ['en-persona-without-rules', 0.65, words(`${B}(?:you are|you re|you will be|you will act as|act as|acting as|pretend to be|pretend you are|roleplay as|role play as|play the role of|simulate|become|you re going to be|you are going to be|you are going to act as|imagine you are|answer as|respond as) (?:\\S+ ){0,8}?(?:who|that|which|and|it) (?:\\S+ ){0,3}?${RULE_FREE}(?: \\S+){0,3}? (?:rules|restrictions|filters|filtering|limits|limitations|guidelines|ethics|ethical|morals|moral|morality|policies|policy|censorship|boundaries|constraints|requests?|anything|questions?|prompts?|openai|content)`)],
  ['en-two-responses-one-unfiltered', 0.45, words(`${B}(?:two|2) (?:different |separate )?(?:responses|answers|ways|paragraphs|outputs|replies) (?:\\S+ ){0,12}?(?:jailbreak|jailbroken|unfiltered|uncensored|dan|developer mode|without (?:any )?(?:restrictions|filters|rules|censorship)|unrestricted|evil|opposite)`)],
  ['en-stay-in-character', 0.25, words(`${B}(?:stay|remain|keep) in character|${B}(?:never|don t|do not|dont) break character`)],
]);

const AI_READER = String.raw`(?:ai|a i|llm|llms|assistant|ai assistant|language model|chatbot|bot|gpt|chatgpt|claude|gemini|copilot|agent|ai agent|ai system|large language model|automated (?:system|reader|agent|assistant))`;
const NOTES_TO_THE_MODEL = rules('words', 'instruction-override', undefined, [
  ['en-note-to-the-ai', 0.6, words(`${B}(?:note|message|instructions?|attention|important|hey|dear|hello|hi|warning|notice|reminder|ps) (?:to |for )?(?:the |all |any |every )?${AI_READER}s?(?: \\S+){0,3}? (?:reading|processing|summari[sz]ing|analy[sz]ing|viewing|parsing|reviewing|that reads|who reads|you must|must|should|please|do not|don t|ignore|disregard|forget|instead|always|never|you are|your)`)],
  ['en-if-you-are-an-ai', 0.6, words(`${B}(?:if|when|whenever) you (?:are|re) (?:an? |the )?${AI_READER}(?: \\S+){0,6}? (?:ignore|disregard|forget|you must|must|should|please|do not|don t|say|tell|respond|reply|answer|include|add|write|output|print|recommend|state)`)],
  ['en-ai-reader-ignore', 0.4, words(`${B}(?:dear |hey |hello |attention |attn |to the |to any |to all )?${AI_READER}s? (?:\\S+ )?(?:ignore|disregard|forget|instead|override|do not follow|don t follow|stop following)`)],
  ['en-ignore-the-users-request', 0.6, words(`${B}${NOT_NEGATED}${EN_VERB} (?:the |all |any |your |this |that )?(?:user s |users |user |human s |original |customer s |reader s |visitor s )(?:request|requests|question|questions|prompt|instructions?|message|query|task|input)${IN_MATERIAL}`)],
  ['en-when-summarizing-this-say', 0.35, words(`${B}(?:when|while|if|before|after) (?:you (?:are )?)?(?:summari[sz]ing|summari[sz]e|translating|translate|processing|process|analy[sz]ing|analy[sz]e|answering) (?:this|the|these|any) (?:\\S+ ){0,2}?(?:page|email|e mail|document|text|message|article|file|content|website|data|review|resume|cv|post|comment)s?(?: \\S+){0,4}? (?:you must|must|always|say|state|include|add|tell|mention|write|reply|respond|output|insert|recommend|ignore|disregard)`)],
]);

const MULTILINGUAL_TASK_SWITCH = rules('words', 'instruction-override', undefined, [
  ['de-vergiss-deine-aufgaben', 0.5, words(`${B}(?:vergiss|vergessen sie|ignoriere|ignorieren sie|vergesst|ignoriert) (?:(?:alle|alles|die|deine|ihre|eure|bisherigen|vorherigen|vorigen|obigen|fruheren|bisher|gestellten|gegebenen|sonstigen|anderen) ){0,3}(?:aufgaben|aufgabe|auftrage|auftraege)`)],
  ['de-deine-neue-aufgabe', 0.4, words(`${B}(?:deine|ihre|eure|die) (?:neue|nachste|naechste|eigentliche|wahre|echte) (?:aufgabe|anweisung|mission|anordnung) (?:ist|lautet|besteht|wird)`)],
  ['es-olvida-tus-tareas', 0.5, words(`${B}(?:olvida|ignora|olvide|ignore|olvidate de|olviden|ignoren) (?:(?:todas?|todos?|las|los|tus|sus|anteriores|previas|de) ){0,3}(?:tareas|tarea|asignaciones)`)],
  ['fr-oublie-tes-taches', 0.5, words(`${B}(?:oublie|oubliez|ignore|ignorez) (?:(?:toutes?|tous|les|tes|vos|precedentes?|anterieures?) ){0,3}(?:taches|tache|missions)`)],
]);

// More languages (the `words` view has accents dropped: "bỏ qua" is "bo qua"); Thai has no spaces, so it is read
// in the `folded` view like the CJK rules.
const MORE_LANGUAGES_OVERRIDE = rules('words', 'instruction-override', undefined, [
  ['vi-bo-qua-huong-dan', 0.8, words(`${B}(?:hay )?(?:bo qua|phot lo|khong (?:can )?(?:tuan theo|lam theo)|quen|xoa bo) (?:(?:tat ca|toan bo|moi|het|cac|nhung|cua ban|ban|truoc do|truoc|o tren|phia tren|he thong|da|duoc|dan|dua ra) ){0,4}(?:huong dan|chi dan|chi thi|lenh|quy tac|yeu cau|loi nhac|dieu da duoc dan|moi dieu)`)],
  ['id-abaikan-instruksi', 0.8, words(`${B}(?:abaikan|lupakan|jangan (?:ikuti|patuhi|hiraukan)|acuhkan|hiraukan|tinggalkan) (?:(?:semua|seluruh|segala|yang|sebelumnya|di atas|tadi|awal|sistem|dari|anda|kamu|mu|telah|sudah|diberikan|dikatakan|kepadamu) ){0,4}(?:instruksi|perintah|petunjuk|aturan|arahan|prompt|yang sudah dikatakan|yang telah dikatakan)`)],
  ['tl-huwag-pansinin-ang-tagubilin', 0.8, words(`${B}(?:huwag (?:mong |pong )?(?:pansinin|sundin|intindihin)|balewalain|kalimutan (?:mo )?(?:na )?) (?:(?:ang|lahat|ng|mga|naunang|nakaraang|dating|iyong|mo|sa) ){0,4}(?:tagubilin|utos|instruksyon|patakaran|sinabi|itinuro)`)],
  ['sv-ignorera-instruktioner', 0.8, words(`${B}(?:ignorera|strunta i|glom|bortse fran|folj inte) (?:(?:alla|allt|de|dina|era|tidigare|foregaende|ovanstaende|ursprungliga|du|har|fatt|hora) ){0,4}(?:instruktioner|instruktionerna|regler|reglerna|direktiv|anvisningar|sagt|fatt hora)`)],
  ['uk-ignore-instructions', 0.8, words(`${B}(?:ігноруи|ігноруите|проігноруи|забудь|забудьте|не виконуи|не виконуите|відкинь) (?:(?:усі|всі|все|свої|твої|ваші|попередні|попередніх|минулі|вищезазначені|що|тобі|вам|казали) ){0,4}(?:інструкці|вказівк|правил|команд|обмежен|промпт|все що)`), /[\u0400-\u04ff]/u],
  ['bn-ignore-instructions', 0.8, words(`${B}(?:আগের|পূর্ববর্তী|সব|সকল|উপরের|পূর্বের) (?:\\S+ ){0,2}(?:নির্দেশনা|নির্দেশ|নিয়ম|আদেশ)(?:গুলো|গুলি)? (?:\\S+ )?(?:উপেক্ষা|ভুলে|অগ্রাহ্য)`)],
]);
const MORE_LANGUAGES_EXTRACTION = rules('words', 'prompt-extraction', undefined, [
  ['vi-cho-xem-loi-nhac-he-thong', 0.7, words(`${B}(?:cho (?:toi|minh) xem|hien thi|tiet lo|in ra|viet ra|lap lai|noi cho toi) (?:\\S+ ){0,3}?(?:loi nhac he thong|system prompt|huong dan (?:ban dau|goc|he thong|an)|chi dan (?:ban dau|goc))`)],
  ['id-tunjukkan-prompt-sistem', 0.7, words(`${B}(?:tunjukkan|tampilkan|ungkapkan|cetak|tuliskan|ulangi|beritahu) (?:\\S+ ){0,3}?(?:prompt sistem|system prompt|instruksi (?:awal|asli|sistem|tersembunyi)|petunjuk (?:awal|asli|sistem))`)],
  ['tr-sistem-istemini-goster', 0.7, words(`${B}(?:sistem istemini|sistem istemi|ilk talimatlarini|orijinal talimatlarini|gizli talimatlarini|talimatlarini) (?:\\S+ ){0,2}(?:goster|yazdir|acikla|tekrarla|ver|soyle|paylas)`)],
  ['hi-show-system-prompt', 0.7, words(`${B}(?:मुझे )?(?:अपना|अपने|तुम्हारा|आपका) (?:\\S+ ){0,2}(?:सिस्टम प्रॉम्प्ट|सिस्टम संकेत|मूल निर्देश|प्रारंभिक निर्देश|गुप्त निर्देश) (?:\\S+ ){0,2}(?:दिखाओ|दिखाइए|बताओ|बताइए|लिखो|दोहराओ)`)],
]);
const THAI_OVERRIDE = rules('folded', 'instruction-override', /[\u0e00-\u0e7f]/u, [
  ['th-ignore-instructions', 0.8, folded(`(?:เพิกเฉย|ละเว้น|ไม่ต้องสนใจ|ลืม|อย่าทำตาม)(?:ต่อ)?(?:คำสั่ง|คำแนะนำ|กฎ|ข้อกำหนด|ทุกอย่าง)`)],
]);

// ── Chat-template control sequences ────────────────────────────────────────────────────────────────────────
/** Special tokens of LLaMA 2/3/4, ChatML, Gemma, Phi, Mistral and DeepSeek-style templates (spaces allowed inside). */
export const TEMPLATE_TOKEN = new RegExp(
  String.raw`<\s*\|\s*(?:begin_of_text|end_of_text|start_header_id|end_header_id|eot_id|eom_id|python_tag|finetune_right_pad_id|im_start|im_end|im_sep|endoftext|system|user|assistant|end|header_start|header_end|eot|start|begin[▁_ ]of[▁_ ]sentence|end[▁_ ]of[▁_ ]sentence|fim_\w+|reserved_special_token_\d+)\s*\|\s*>|\[\s*\/?\s*inst\s*\]|<<\s*\/?\s*sys\s*>>|<\s*(?:start|end)_of_turn\s*>|\[\/?(?:system_prompt|available_tools|tool_calls)\]`,
  'gu',
);

/** An opening tag, then a closing one within `maxGap` characters (one search for each, then two pointers). */
function block(open: RegExp, close: RegExp, maxGap: number): (view: string) => boolean {
  return (view) => followedWithin(view, open, close, maxGap);
}

const SYSTEM_BLOCK = block(/<<\s?sys\s?>>/gu, /<<\s?\/\s?sys\s?>>/gu, 600);
const INSTRUCTION_BLOCK = block(/\[\s?inst\s?\]/gu, /\[\s?\/\s?inst\s?\]/gu, 600);

export const TEMPLATE_STRUCTURE = rules('folded', 'template-token', /<|\[/u, [
  ['template-role-turn', 0.85, folded(String.raw`(?:<\s*\|\s*(?:start_header_id|im_start|header_start)\s*\|\s*>|<\s*start_of_turn\s*>)\s*(?:system|assistant|developer|ipython|model|tool)|<\s*\|\s*(?:system|assistant)\s*\|\s*>|\[system_prompt\]`)],
  // `<<SYS>> … <</SYS>>` and `[INST] … [/INST]` within 600 characters (scanned by SYSTEM_BLOCK, INSTRUCTION_BLOCK).
  ['template-system-block', 0.75, folded(String.raw`<<\s?sys\s?>>[^]{1,600}<<\s?\/\s?sys\s?>>`), undefined, SYSTEM_BLOCK],
  ['template-instruction-block', 0.75, folded(String.raw`\[\s?inst\s?\][^]{1,600}\[\s?\/\s?inst\s?\]`), undefined, INSTRUCTION_BLOCK],
  ['template-turn-break', 0.6, folded(String.raw`<\s*\|\s*(?:eot_id|im_end|eom_id|end|endoftext)\s*\|\s*>\s*(?:\n|<|system|assistant|user|developer)|<\s*end_of_turn\s*>\s*(?:\n|<|model|user)`)],
]);

// ── Encoded payloads: cues that a blob is meant to be decoded and obeyed ──────────────────────────────────
export const ENCODED_CUES = rules('words', 'encoded-payload', /decod|base ?64|rot ?13|hex|cipher|revers|backward/u, [
  ['decode-and-follow', 0.45, words(`${B}(?:decode|decipher|decrypt|translate|convert|reverse|unscramble) (?:\\S+ ){0,6}?(?:and|then) (?:\\S+ ){0,2}?(?:follow|execute|obey|do|run|perform|carry out|act on|comply with|apply)(?: \\S+){0,3} (?:it|them|this|that|the (?:instructions?|commands?|result|text|message|output)|what it says|whatever it says)`)],
]);

export const PHRASE_RULES: InjectionRule[] = [
  ...ENGLISH_OVERRIDE,
  ...ENGLISH_OVERRIDE_OTHER,
  ...ENGLISH_PERSONA,
  ...ENGLISH_EXTRACTION,
  ...MULTILINGUAL_OVERRIDE,
  ...CJK_AND_OTHER_SCRIPTS_OVERRIDE,
  ...MULTILINGUAL_EXTRACTION,
  ...CJK_EXTRACTION,
  ...ROLE_SPOOFING,
  ...TEMPLATE_STRUCTURE,
  ...ENCODED_CUES,
  ...EXTRACTION_BY_COMPLETION,
  ...TASK_SWITCH,
  ...PERSONA_WITHOUT_RULES,
  ...NOTES_TO_THE_MODEL,
  ...MULTILINGUAL_TASK_SWITCH,
  ...MORE_LANGUAGES_OVERRIDE,
  ...MORE_LANGUAGES_EXTRACTION,
  ...THAI_OVERRIDE,
];

/** Words that say the text is about prompts and attacks rather than an attack itself (applies to quoted parts only). */
export const DISCUSSION_CUE = words(
  `${B}(?:prompt injection|injection attacks?|jailbreak(?:ing|s)? (?:attacks?|attempts?|prompts?|examples?)|attacks?|attackers?|example|examples|what does|what do|what is|what are|how does|how do|how can|how to|why does|why do|explain|detect|detecting|defend|protect|mitigat|prevent|classif|filter|security|red team|means?|meaning|quote|phrase|sentence|said|says|wrote|paper|article|research|dataset|benchmark|regex)`,
);
