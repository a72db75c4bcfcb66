/**
 * What words mean to the injection classifier, whatever the language: a small lexicon that maps words of the
 * `words` view (screening-text.ts) to concepts — "ignore", "previous", "instructions", "secret", "reveal",
 * "you", "persona", "without rules" … — so that the classifier can learn that an instruction is addressed to the
 * model and aimed at its rules or its secret, and not only which words one collection happened to use. Written
 * for gus from general vocabulary in the languages the detector reads (not from any data set).
 *
 * Entry syntax: `word` (the whole word), `stem*` (any word starting with it), `two_words` (a pair of words in
 * a row, for languages that write a concept in two: "bo_qua", "kata_sandi"). Entries in scripts written without
 * spaces (CJK, Thai) are looked for inside runs of those scripts. Every entry is normalised like the text it is
 * compared with (accents dropped, lower case), so the lexicon may be written with its accents.
 */
export const INTENT_CONCEPTS = [
  'ignore',
  'prior',
  'instructions',
  'system',
  'secret',
  'reveal',
  'you',
  'model',
  'persona',
  'unrestricted',
  'none',
  'safety',
  'now',
  'new',
  'task',
  'stop',
  'urgent',
  'verbatim',
  'begin',
  'answer',
  'complete',
  'fiction',
  'authority',
  'mode',
  'enable',
  'obey',
  'translate',
  'encoding',
  'hacked',
  'refuse',
  'end',
  'role',
  'document',
] as const;
export type IntentConcept = (typeof INTENT_CONCEPTS)[number];

export const INTENT_LEXICON: Record<IntentConcept, string> = {
  ignore: `ignor* disregard* forget* forgot* overrid* overrul* bypass* circumvent* discard* dismiss* neglect* abandon* nevermind unlearn* skip
    vergiss vergessen vergesst missacht* übergeh* olvid* omit* descart* desestim* oubli* néglig* dimentic* trascur* esquec* desconsider* despreze
    negeer* vergeet zignoruj* ignoruj* zapomnij* pomiń игнорир* проигнорир* забуд* забыв* пренебр* ігнор* проігнор* забудь* yoksay* unut* görmezden
    تجاهل* انس اهمل अनदेखा* नजरअंदाज* भूल* উপেক্ষা* ভুলে* abaikan* lupakan* acuhkan ignorera glöm strunta balewalain kalimutan pansinin
    bo_qua phớt_lờ 忽略 无视 忘记 忘掉 無視 忘れ 무시* 잊어* 잊고* เพิกเฉย ละเว้น ไม่ต้องสนใจ ลืม`,
  prior: `previous* prior preceding above earlier former foregoing initial* original* aforementioned beforehand
    vorherig* vorig* bisherig* obig* früher* vorangegangen* ursprünglich* anterior* previ* inicial* arriba précédent* antérieur* initiaux
    precedent* iniziali originali sopra prima anteriores prévias acima vorige eerdere voorgaande bovenstaande poprzedni* wcześniejsz* powyższ*
    предыдущ* прежн* предшеств* вышеуказ* вышеизлож* исходн* первоначальн* попередн* вищезазнач* початков* önceki yukarıdaki evvelki السابقة السابق
    पिछले पिछला पूर्व पहले আগের পূর্ববর্তী sebelumnya tidigare föregående ovanstående nakaraang naunang trước_đó 之前 以上 先前 上述 以前 前の 上記 이전* 위의 ก่อนหน้า`,
  instructions: `instruct* directive* guideline* guidance prompt* command* orders programming preprompt metaprompt
    anweisung* regel* richtlini* befehl* vorgab* anordnung* instruktion* instrucci* regla* directriz* directrices directiva* indicacion* norma* consigne*
    règle* regle* istruzion* regol* direttiv* indicazion* comand* instruç* instruc* regra* diretriz* diretrizes ordens instructie* regels richtlijn*
    instrukcj* polecen* zasad* regulamin* wytyczn* инструкц* указани* правил* команд* директив* інструкц* вказівк* talimat* kural* yönerge* komut*
    تعليمات التعليمات قواعد القواعد الأوامر أوامر الاوامر निर्देश* नियम* आदेश* নির্দেশ* নিয়ম* instruksi perintah petunjuk aturan arahan
    instruktion* regler* anvisning* direktiv tagubilin utos patakaran instruksyon huong_dan chi_dan quy_tac chi_thi loi_nhac
    指令 指示 规则 提示词 提示 命令 ルール プロンプト 지시* 명령* 규칙* 프롬프트* คำสั่ง คำแนะนำ กฎ`,
  system: `system* systeme système sistema* sistem* систем* सिस्टम সিস্টেম he_thong internal hidden confidential* initialization initialisation init
    intern* interne* oculto* oculta* caché* cachée* nascost* escondid* скрыт* прихован* gizli* tersembunyi dold 系统 隐藏 システム 시스템* ระบบ`,
  secret: `password* passphrase* passcode* passwort* kennwort* contraseña* clave* senha* wachtwoord* hasło* hasla* пароль* парол* şifre* parola*
    lösenord* secret* geheim* secreto* secreta* segret* sigilo* segredo* секрет* таємн* rahasia hemlig* credential* token* apikey
    de_passe mat_khau kata_sandi api_key access_code كلمة_المرور كلمة_السر पासवर्ड পাসওয়ার্ড 密码 密碼 秘密 口令 パスワード 暗証 비밀번호* 암호* 비밀* รหัสผ่าน ความลับ`,
  reveal: `reveal* tell show* print* output* repeat* say write give share disclose* leak* display* spell* dump* recite* expose* divulge* echo
    zeig* sag sage nenn* gib verrat* wiederhol* schreib* ausgeb* offenbar* enthüll* druck* muestra* mostrar* dime decir revela* repite* repetir
    escrib* imprim* comparte dame montre* dis dire révèle* répète* écris affich* donne* imprime* partage* mostra* dimmi rivela* ripeti* scrivi stampa*
    dammi mostre diga revele repita escreva imprima diz toon zeg vertel herhaal schrijf geef onthul* pokaż* powiedz ujawnij powtórz* napisz wypisz
    podaj покаж* скаж* раскрой* раскрыть повтор* напиш* выведи* выведите вывести распечат* назови покажіть розкрий* виведи göster* söyle* yaz* tekrarla*
    açıkla* ver اظهر أظهر اكشف قل اكتب كرر اطبع اعرض दिखा* बता* लिख* दोहरा* দেখাও বলো লেখো tunjukkan tampilkan ungkapkan beritahu ulangi tuliskan
    cetak sebutkan katakan visa berätta upprepa skriv avslöja ipakita sabihin ulitin isulat cho_xem tiet_lo in_ra viet_ra lap_lai hien_thi noi_cho
    显示 告诉 输出 重复 打印 透露 说出 写出 表示 教えて 出力 繰り返 書い 보여* 알려* 출력* 반복* 말해* แสดง บอก พิมพ์ ทำซ้ำ เปิดเผย`,
  you: `you your yours yourself ur du dein deine deinen deiner deinem dich dir euch tu tus te ti usted ustedes tú ton ta tes toi vous votre vos tuo tua tuoi
    tue você voce seu sua teu je jij jou jouw uw ty twój twoje twoja cię ты твой твоя твои тебе тебя вы ваш ваши вам ти твої тобі sen senin sana
    siz sizin kamu anda din ditt dina ikaw mo iyong تو तुम आप तुम्हारा तुम्हारे आपका आपके অপনি তুমি 你 您 あなた 당신* 너는 너의 คุณ`,
  model: `ai assistant* model chatbot* bot llm* gpt* chatgpt claude llama gemini copilot ki ia ии ші asistente assistent* assistente modelo modèle modell
    modello yapay_zeka kecerdasan_buatan nhan_tao tro_ly एआई 人工智能 助手 模型 アシスタント モデル 어시스턴트* 모델* 인공지능*`,
  persona: `pretend* roleplay* role_play act acting simulat* imagine* persona* character* impersonat* become embody
    rolle spiel spiele verhalte stell finge imagina* actúa actua personaje papel rol simula* fais_semblant joue* rôle personnage incarne* fingi
    immagina* interpreta* ruolo personaggio finja imagine atue personagem doe_alsof speel udawaj wyobraź odgrywaj rola postać притвор* представь*
    сыграй играй роль персонаж* уяви* зіграй canlandır* farz hayal berpura bayangkan peran berperan låtsas föreställ roll magpanggap 扮演 假装 角色
    ふり 演じ 役 역할* 척 แกล้งทำ บทบาท`,
  unrestricted: `unrestricted unfiltered uncensored unlimited limitless unbound* amoral unethical immoral jailbreak* jailbroken unrestrained rogue
    unaligned liberated unshackled lawless evil uneingeschränkt* unzensiert* ungefiltert* ilimitad* ilimitada irrestrict* illimité* censuré
    illimitat* senza_limiti ilimitado irrestrito неограничен* нецензур* безгранич* sınırsız* sansürsüz tanpa batas obegränsad* 不受限制 无限制 越狱 無制限 脱獄 탈옥*`,
  none: `no without none never not nothing ohne kein keine keinen keiner nicht nie sin ningún ninguna ningun nunca sans aucun aucune jamais pas senza
    nessun nessuna mai sem nenhum nenhuma zonder geen nooit bez żadnych żadnej nigdy без никаких никогда нет не жодних без yok asla hiçbir
    tanpa tidak utan ingen inga aldrig walang hindi khong بدون لا बिना नहीं কোনো ছাড়া 没有 不 无 ない 없* 없이 ไม่`,
  safety: `filter* safety safeguard* ethic* moral* censor* guardrail* limit* limitation* boundar* principle* restriction* constraint* polic* alignment
    sicherheit* ethik* zensur* grenze* grenzen einschränkung* beschränkung* filtro* seguridad ética ético censura límite* restriccion* restricción* filtre*
    sécurité éthique* censure limite* restriction* filtr* sicurezza etic* restrizion* segurança restriç* ограничен* фильтр* безопасн* этик* мораль* цензур*
    обмежен* güvenlik* etik* kısıtlama* filtre* batasan keamanan etika begränsning* säkerhet* 限制 过滤 安全 道德 审查 制限 フィルター 倫理 제한* 필터* 윤리* ข้อจำกัด`,
  now: `now henceforth onwards onward anymore jetzt nun sofort fortan ahora desde ya maintenant désormais dorénavant ora adesso agora nu teraz
    сейчас теперь отныне тепер şimdi artık sekarang mulai ngayon bay_gio 现在 从现在 今から 今後 지금* 이제* ตอนนี้`,
  new: `new instead different real actual neu neue neuen neuer stattdessen nuevo nueva nuevas nuevos nouveau nouvelle nouvelles nuovo nuova invece
    novo nova novas nieuwe plaats nowy nowe nowa zamiast новый новая новые новую вместо нові новий yeni baru ny nya bagong moi 新的 新 新しい 새로운 ใหม่`,
  task: `task* assignment* job mission objective* goal* purpose aufgabe* auftrag* ziel tarea* misión mision objetivo* tâche* tache* compito obiettivo*
    tarefa* missão taak opdracht zadani* zadanie cel задач* задани* цель завдання ціль görev* amaç tugas misi uppgift* gawain nhiem_vu 任务 目标 タスク 任務 작업* 임무* งาน ภารกิจ`,
  stop: `stop* halt cease pause abort enough done finished stopp* genug fertig basta alto detente detén para arrête* arrete* assez fini ferma* fermati
    pare chega stop хватит стоп прекрат* остановис* досить зупин* dur yeter durdur* berhenti cukup sluta tigil dung 停止 停下 止め 멈춰* 중지* หยุด`,
  urgent: `urgent* important* immediately attention asap emergency critical priority must mandatory required dringend* wichtig* achtung notfall
    urgente* importante* inmediatamente atención atencion immédiatement immediatement subito attenzione imediatamente atenção срочно важно немедленно
    внимание терміново увага acil önemli dikkat derhal penting segera perhatian viktigt brådskande 紧急 重要 注意 緊急 긴급* 중요* ด่วน สำคัญ`,
  verbatim: `verbatim exactly exact literally word entire entirety everything whole full wörtlich* wortwörtlich* genau alles ganz* literal* exactamente
    todo palabra exactement tout mot textuellement esattamente tutto parola testualmente exatamente tudo palavra letterlijk dokładnie wszystko
    дословно точно всё слово дослівно все kelimesi aynen persis semua ordagrant allt 逐字 原样 一字 そのまま 全部 그대로* 정확히* ทั้งหมด`,
  begin: `start* begin* commence* beginning first anfang* beginn* comienza* empieza* empezar comenzar commence* débute* inizia* comincia* comece começa*
    begin* zacznij* rozpocznij* начни* начинай* почни* başla* mulai awali börja* simulan 开始 以 始め 시작* เริ่ม`,
  answer: `answer* response* reply* respond* antwort* respuesta* responde* réponse* réponds* risposta* rispondi* resposta* responda* antwoord*
    odpowiedź* odpowiedz* ответ* отвечай* відповід* cevap* yanıt* jawaban jawab* svar* sagot 回答 回复 答案 回答して 返答 대답* 답변* 응답* คำตอบ ตอบ`,
  complete: `complete* continue* finish* fill autocomplete vervollständig* ergänz* completa* continúa* continua* termina* complète* complétez continuez
    continu* completare prosegui* completa* voltooi* aanvul* dokończ* uzupełnij* kontynuuj* продолж* законч* дополни* допиши* продовж* tamamla* devam
    lanjutkan lengkapi selesaikan fortsätt komplettera ituloy 完成 继续 补全 続け 完成させ 완성* 계속* ต่อ`,
  fiction: `hypothetic* fictional fiction story novel scenario game dream movie film script screenplay fantasy universe suppose* theoretically imaginary
    hypothetisch* fiktiv* geschichte roman szenario hipotétic* hipotetic* ficticio* historia novela escenario juego hypothétique* fictif fictive histoire
    scénario jeu ipotetic* finzione storia romanzo gioco ficção ficticia cenário jogo гипотетич* вымышлен* истори* сценари* игр* гіпотетич* varsayım*
    hikaye senaryo oyun hipotetis cerita skenario permainan hypotetisk* berättelse spel 假设 故事 小说 游戏 仮定 物語 小説 ゲーム 가정* 이야기* 소설* 게임* สมมติ เรื่อง`,
  authority: `admin* administrator* developer* creator* owner* operator* sudo root authoriz* authoris* superuser maintainer* openai anthropic
    entwickler* ersteller* berechtigt* autorisiert* administrador* desarrollador* creador* autorizad* administrateur* développeur* createur* créateur*
    autorisé* amministrator* sviluppator* autorizzat* desenvolvedor* criador* ontwikkelaar* beheerder* programista* twórca* администратор* разработчик*
    создател* розробник* yönetici* geliştirici* pengembang pembuat utvecklare* 管理员 开发者 开发人员 管理者 開発者 관리자* 개발자* ผู้ดูแล ผู้พัฒนา`,
  mode: `mode modus modo режим* mod tryb läge 模式 モード 모드* โหมด`,
  enable: `enable* activat* unlock* engage switch aktivier* freischalt* activa* activar desbloque* activez active* attiva* sblocca* ative ativa* desbloquei*
    activeer aktywuj* odblokuj* включ* актив* розблок* etkinleştir* aç aktifkan buka aktivera lås 启用 激活 解锁 有効 解除 활성화* 해제* เปิดใช้`,
  obey: `obey* follow* comply* listen adhere befolg* gehorch* folge* obedece* sigue* cumple* obéis obéir suis obbedisc* segui* obedeça siga gehoorzaam*
    volg posłuchaj wykonuj слушай* подчин* следуй* выполняй* слухай* виконуй* itaat uy patuhi ikuti lyd* följ sundin 服从 遵守 听从 従っ 従え 따르* 복종* เชื่อฟัง ทำตาม`,
  translate: `translat* übersetz* traduc* tradu* traduis* traduz* vertaal* przetłumacz* перевед* переклад* çevir* terjemahkan översätt* isalin 翻译 翻訳 번역* แปล`,
  encoding: `decode* encode* decrypt* encrypt* cipher* base64 rot13 hex reverse* backwards dekodier* decodific* décod* decodifica* entschlüssel* расшифр*
    декод* çöz* 解码 解密 デコード 디코딩* ถอดรหัส`,
  hacked: `hacked pwned pwn* owned gehackt hackeado hackeada piraté hackerato взломан* зламан* hacklendi diretas 被黑 ハッキング 해킹*`,
  refuse: `refus* declin* apolog* sorry warning* disclaimer* caveat* censor verweiger* ablehn* warnung* entschuldig* rechaz* negar* niegues advertencia*
    disculp* refuse* avertissement* excus* rifiut* avvertiment* scus* recus* aviso* desculp* weiger* waarschuw* odmów* ostrzeż* отказ* извин*
    предупрежден* відмов* reddet* uyarı* özür menolak tolak peringatan maaf vägra varning* 拒绝 警告 道歉 拒否 警告 거부* 거절* 경고* ปฏิเสธ คำเตือน`,
  end: `end ending ende fin fim конец кінець akhir slut wakas 结束 終わり 끝 จบ`,
  role: `user human assistant benutzer nutzer usuario utilisateur utente usuário gebruiker użytkownik пользователь користувач kullanıcı pengguna användare 用户 ユーザー 사용자*`,
  document: `document* email* e_mail mail page website webpage article file text message content review comment dokument* nachricht* inhalt* artikel
    documento* correo mensaje* texto contenido* artículo courriel texte contenu* documento messaggio testo contenuto mensagem conteúdo bericht
    wiadomość* treść документ* письм* сообщени* текст* содержим* belge* mesaj* metin* dokumen pesan teks meddelande innehåll 文档 邮件 消息 文本 内容 文書 メール メッセージ 문서* 메일* 메시지* เอกสาร ข้อความ`,
};
