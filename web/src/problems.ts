// API problems in words a person understands, in both languages of the app.
//
// Every API error is an RFC 9457 problem whose `type` ends with a stable code (`seat-taken`);
// `ApiError.code` holds it. The rule for what ErrorText shows:
//
// - Russian: the Russian sentence for the code when this dictionary knows the code, else the
//   API's `detail` (English, but better than nothing). Specifics the API sends as problem members
//   (`max`, `cutoff_hours`, `available`, `retry_after`, …) are filled into `{placeholders}`; the
//   fields of a validation problem (`errors[].field`) are named with the labels below. A placeholder
//   with no member takes the first number in the detail; failing that, the detail is shown.
// - English: the API's own `detail` — it is already written for people and carries the specifics
//   (which field, the limit, the cutoff hours) — except for the codes in EN_OVER_DETAIL, whose
//   detail is technical (a route, a token, a JSON parser's words); those show the English sentence.
// - No problem body (a proxy's 502, a dropped connection): a sentence by status, in both languages.
//
// Codes come from the `DomainError`s in src/modules/*/*.errors.ts (and a few inline ones),
// src/platform/http/access.ts and src/platform/http/problem.ts. Keys with a dot are variants the
// code picks (`sold-out.few`); keys starting with `field:` are labels of request fields.

const en = {
  // Generic, from the HTTP layer (src/platform/http/problem.ts, access.ts).
  'validation-error': 'Check {fields}.',
  'validation-error.many': 'Check these fields: {fields}.',
  'validation-error.none': 'Check what you entered.',
  'malformed-body': 'The app sent a request the server could not read. Reload the page and try again.',
  'bad-request': 'The server could not understand this request. Reload the page and try again.',
  'unsupported-media-type': 'The app sent a request the server could not read. Reload the page and try again.',
  'body-too-large': 'That is too much data to send at once. Try something smaller.',
  'malformed-url': 'The app sent a request the server could not read. Reload the page and try again.',
  'uri-too-long': 'That address is too long. Try something shorter.',
  'headers-too-large': 'The request was too large to read. Reload the page and try again.',
  'malformed-request': 'The app sent a request the server could not read. Reload the page and try again.',
  'request-timeout': 'The request took too long to arrive. Check your connection and try again.',
  'not-found': 'This page or item does not exist (any more).',
  'internal-error': 'Something broke on our side. Try again; if it keeps failing, tell us request id {request_id}.',
  unauthenticated: 'Please sign in to do this.',
  forbidden: 'Your account is not allowed to do this.',
  'network-error': 'Could not reach the server. Check your connection and try again.',
  'server-unavailable': 'The server is not answering right now. Try again in a minute.',
  error: 'Something went wrong. Try again.',

  // Identity.
  'invalid-credentials': 'Wrong email or password.',
  'account-inactive': 'This account has been deactivated.',
  'invalid-refresh-token': 'Your session has ended. Please sign in again.',
  'refresh-token-reused': 'For safety we ended all your sessions. Please sign in again.',
  'invalid-token': 'Your session has ended. Please sign in again.',
  'email-taken': 'An account with this email already exists. Sign in instead.',
  'weak-password': 'Choose a stronger password.',
  'weak-password.short': 'The password is too short: use at least {n} characters.',
  'weak-password.long': 'The password is too long: use at most {n} characters.',
  'weak-password.common': 'This is one of the most common passwords. Choose another.',
  'weak-password.email': 'The password must not be your email address.',
  'user-not-found': 'There is no account with this email.',
  'too-many-attempts': 'Too many attempts. Try again in {retry_after} s.',
  'cannot-change-own-admin': 'You cannot take away your own admin role or deactivate yourself.',
  'wrong-current-password': 'The current password is not right.',

  // Catalog and organizers.
  'organizer-not-found': 'This organizer does not exist.',
  'slug-taken': 'This page address is taken. Choose another.',
  'not-on-team': 'You need a role in this organizer’s team to do this.',
  'event-not-found': 'This event does not exist.',
  'illegal-event-transition': 'The event cannot do that in its current status.',
  'event-not-editable': 'This event can no longer be edited.',
  'event-not-editable.published':
    'The event is published: tickets were sold for what it says, so only the description and images can change.',
  'event-not-sellable': 'The event cannot be published yet: something it needs to sell tickets is missing.',
  'last-owner': 'An organizer needs at least one owner.',
  'invalid-timezone': 'Unknown time zone. Pick one from the list.',
  'layout-exists': 'This event already has seats.',
  'layout-too-large': 'A hall may have at most {max} seats; this layout has {seats}.',
  'units-limit-reached': 'An event may sell at most {max} general-admission tickets in all; {left} can still be added.',

  // Sales: bookings, seats, tickets, waitlist.
  'event-not-on-sale': 'This event is not on sale.',
  'booking-not-found': 'This booking does not exist.',
  'not-your-booking': 'This booking belongs to someone else.',
  'booking-not-open': 'This booking can no longer be changed.',
  'booking-expired': 'This booking has expired and its seats were released. Start a new one.',
  'seat-not-found': 'This seat does not exist.',
  'seat-taken': 'Someone has just taken this seat. Pick another one.',
  'seat-not-yours': 'Someone else is holding this seat.',
  'seat-not-held': 'This seat is not in a booking you can change.',
  'too-many-seats': 'You can hold at most {max} seats for this event.',
  'active-booking-exists': 'You already have an open booking for this event. Finish or cancel it first.',
  'ticket-type-not-found': 'This kind of ticket does not exist for this event.',
  'sold-out': 'Sold out.',
  'sold-out.few': 'Only {available} left.',
  'outside-sales-window': 'These tickets are not on sale right now.',
  'quantity-too-large': 'You can order at most {max} at once.',
  'empty-booking': 'Add seats or tickets before paying.',
  'contact-required': 'This event needs a phone number or Telegram in your profile.',
  'reset-disabled': 'Reset is turned off on this server.',
  'user-limit-reached': 'One person can hold or buy at most {max} tickets for this event.',
  'too-many-selections': 'Too many seat selections. Try again in {retry_after} s.',
  'queue-required': 'This event sells through a waiting room. Join the queue first.',
  'no-waiting-room': 'This event has no waiting room right now: you can buy directly.',
  'too-many-joins': 'Too many attempts to join the queue. Try again in {retry_after} s.',
  'room-needs-a-limit': 'Set an admission rate, a cap on people buying at once, or both.',
  'booking-not-payable': 'This booking cannot be paid for in its current status.',
  'booking-changed': 'The booking changed while the payment was being set up. Try again.',
  'refund-window-closed': 'Paid bookings can be cancelled until {cutoff_hours} hours before the event.',
  'seat-not-in-booking': 'Only sold seats of this booking can be returned.',
  'payment-required': 'This booking is confirmed by paying for it.',
  'illegal-booking-transition': 'The booking cannot do that in its current status.',
  'idempotency-key-reused': 'This request clashed with an earlier one. Reload the page and try again.',
  'idempotency-in-progress': 'Your previous request is still being processed. Wait a moment.',
  'not-sold-out': 'There are still {available} left: book them instead of waiting.',
  'already-waiting': 'You are already on the waitlist for this event.',
  'waitlist-entry-not-found': 'This waitlist entry does not exist.',
  'waitlist-entry-closed': 'This waitlist entry is already closed.',

  // Promo codes (src/modules/sales/promo-codes.*, docs/promo-codes.md).
  'promo-code-unknown': 'There is no such promo code for this event. Check the spelling.',
  'promo-code-inactive': 'This promo code has been switched off by the organizer.',
  'promo-code-not-yet-valid': 'This promo code can be used from {valid_from}.',
  'promo-code-expired': 'This promo code expired on {valid_until}.',
  'promo-code-used-up': 'This promo code has been used as many times as it may be.',
  'promo-code-not-applicable': 'This promo code is not for these tickets.',
  'promo-code-not-found': 'This promo code no longer exists.',
  'promo-code-exists': 'This event already has the code {codes}.',
  'promo-max-uses-below-uses': 'The code has been used {uses} times already: the maximum cannot be lower.',
  'promo-limit-not-of-event': 'A chosen ticket type or zone is not of this event.',
  'ticket-type-locked': 'These tickets are sold only with a promo code that unlocks them.',

  // Payments.
  'payment-gateway-unavailable': 'The payment service is not answering. Your booking is unchanged; try again shortly.',
  'payment-gateway-error': 'The payment service could not start the payment. Your booking is unchanged; try again later.',
  'payment-in-progress': 'A payment for this booking is already being processed. Wait for its result.',
  'nothing-to-pay': 'This booking costs nothing: confirm it instead of paying.',
  'amount-below-gateway-minimum': 'The amount is below the minimum the payment service accepts.',
  'invalid-webhook-signature': 'The webhook signature is missing or wrong.',

  // Tickets and check-in.
  'ticket-not-found': 'This ticket does not exist.',
  'ticket-code-forged': 'This code is not a real ticket: it was not issued by us or has been altered.',
  'ticket-code-unknown': 'This code is not valid any more: the ticket has a newer code.',
  'ticket-cancelled': 'This ticket was cancelled.',
  'ticket-already-used': 'This ticket was already used at {used_at}, gate {gate}.',
  'ticket-other-event': 'This ticket is for another event.',
  'scan-id-reused': 'This scan clashed with an earlier one. Scan the ticket again.',

  // Notifications and integrations.
  'notification-not-found': 'This notification does not exist.',
  'webhook-not-found': 'This webhook does not exist.',
  'bad-webhook-url': 'This webhook address cannot be used.',

  // Labels of request fields, for validation problems (the last segment of `errors[].field`).
  // Rentals: halls, tariffs, extras, rentals.
  'hall-not-found': 'This hall does not exist.',
  'rental-not-found': 'This rental does not exist.',
  'extra-not-found': 'This extra is not offered by the studio.',
  'closure-not-found': 'This closure does not exist.',
  'invalid-hall': 'Check the hall’s settings.',
  'invalid-tariff': 'Check the tariff.',
  'invalid-range': 'Check the dates and times.',
  'not-on-quarter-hour': 'Start and end fall on a quarter hour (:00, :15, :30, :45).',
  'hall-closed': 'The hall is closed at part of this time.',
  'rental-length': 'A rental of this hall lasts {min_minutes} to {max_minutes} minutes.',
  'notice-too-short': 'This hall is booked at least {min_notice_minutes} minutes ahead.',
  'beyond-horizon': 'This hall is booked at most {horizon_days} days ahead.',
  'hall-not-priced': 'This hall has no prices yet.',
  'time-not-priced': 'Part of this time has no price. Pick other hours.',
  'extra-currency-mismatch': 'This extra is priced in another currency than the hall.',
  'rental-total-too-large': 'This rental would cost more than one order may.',
  'slot-taken': 'Someone has just taken this time. Pick another one.',
  'extra-out-of-stock': 'This extra is all taken at that time.',
  'illegal-rental-transition': 'This rental can no longer be changed this way.',
  'field:email': 'Email',
  'field:password': 'Password',
  'field:current_password': 'Current password',
  'field:new_password': 'New password',
  'field:first_name': 'First name',
  'field:surname': 'Surname',
  'field:phone': 'Phone',
  'field:telegram': 'Telegram',
  'field:title': 'Title',
  'field:description': 'Description',
  'field:venue': 'Venue',
  'field:address': 'Address',
  'field:timezone': 'Time zone',
  'field:starts_at': 'Start',
  'field:type': 'Type',
  'field:hold_ttl_seconds': 'Hold time',
  'field:slug': 'Page address',
  'field:name': 'Name',
  'field:role': 'Role',
  'field:quantity': 'Quantity',
  'field:price': 'Price',
  'field:url': 'Address',
  'field:seat_ids': 'Seats',
};

export type ProblemKey = keyof typeof en;

const ru: Record<ProblemKey, string> = {
  'validation-error': 'Проверьте поле {fields}.',
  'validation-error.many': 'Проверьте поля: {fields}.',
  'validation-error.none': 'Проверьте введённые данные.',
  'malformed-body': 'Приложение отправило запрос, который сервер не смог прочитать. Обновите страницу и попробуйте ещё раз.',
  'bad-request': 'Сервер не понял запрос. Обновите страницу и попробуйте ещё раз.',
  'unsupported-media-type':
    'Приложение отправило запрос, который сервер не смог прочитать. Обновите страницу и попробуйте ещё раз.',
  'body-too-large': 'Слишком много данных за один раз. Попробуйте отправить меньше.',
  'malformed-url': 'Приложение отправило запрос, который сервер не смог прочитать. Обновите страницу и попробуйте снова.',
  'uri-too-long': 'Слишком длинный адрес. Попробуйте короче.',
  'headers-too-large': 'Запрос слишком велик. Обновите страницу и попробуйте снова.',
  'malformed-request': 'Приложение отправило запрос, который сервер не смог прочитать. Обновите страницу и попробуйте снова.',
  'request-timeout': 'Запрос шёл слишком долго. Проверьте соединение и попробуйте снова.',
  'not-found': 'Такой страницы или записи нет (или уже нет).',
  'internal-error': 'У нас что-то сломалось. Попробуйте ещё раз; если не получится, сообщите нам номер запроса {request_id}.',
  unauthenticated: 'Чтобы сделать это, войдите в аккаунт.',
  forbidden: 'Вашему аккаунту это недоступно.',
  'network-error': 'Не удалось связаться с сервером. Проверьте подключение к интернету и попробуйте ещё раз.',
  'server-unavailable': 'Сервер сейчас не отвечает. Попробуйте через минуту.',
  error: 'Что-то пошло не так. Попробуйте ещё раз.',

  'invalid-credentials': 'Неверная почта или пароль.',
  'account-inactive': 'Этот аккаунт отключён.',
  'invalid-refresh-token': 'Сеанс закончился. Войдите снова.',
  'refresh-token-reused': 'Ради безопасности мы завершили все ваши сеансы. Войдите снова.',
  'invalid-token': 'Сеанс закончился. Войдите снова.',
  'email-taken': 'Аккаунт с такой почтой уже есть. Попробуйте войти.',
  'weak-password': 'Придумайте пароль понадёжнее.',
  'weak-password.short': 'Пароль слишком короткий: нужно не меньше {n} символов.',
  'weak-password.long': 'Пароль слишком длинный: можно не больше {n} символов.',
  'weak-password.common': 'Это один из самых распространённых паролей. Придумайте другой.',
  'weak-password.email': 'Пароль не должен совпадать с адресом почты.',
  'user-not-found': 'Аккаунта с такой почтой нет.',
  'too-many-attempts': 'Слишком много попыток. Попробуйте снова через {retry_after} с.',
  'cannot-change-own-admin': 'Нельзя снять с себя роль администратора или отключить собственный аккаунт.',
  'wrong-current-password': 'Текущий пароль введён неверно.',

  'organizer-not-found': 'Такого организатора нет.',
  'slug-taken': 'Этот адрес страницы уже занят. Выберите другой.',
  'not-on-team': 'Для этого нужна роль в команде организатора.',
  'event-not-found': 'Такого события нет.',
  'illegal-event-transition': 'В нынешнем статусе с событием этого сделать нельзя.',
  'event-not-editable': 'Это событие больше нельзя редактировать.',
  'event-not-editable.published':
    'Событие опубликовано: билеты уже продавались на этих условиях, поэтому менять можно только описание и картинки.',
  'event-not-sellable': 'Событие пока нельзя опубликовать: не хватает того, что нужно для продажи билетов.',
  'last-owner': 'У организатора должен остаться хотя бы один владелец.',
  'invalid-timezone': 'Неизвестный часовой пояс. Выберите его из списка.',
  'layout-exists': 'У этого события уже есть схема мест.',
  'layout-too-large': 'В зале может быть не больше {max} мест, а в этой схеме {seats}.',
  'units-limit-reached': 'У события может быть не больше {max} входных билетов всех типов; добавить можно ещё {left}.',

  'event-not-on-sale': 'Билеты на это событие не продаются.',
  'booking-not-found': 'Такой брони нет.',
  'not-your-booking': 'Это чужая бронь.',
  'booking-not-open': 'Эту бронь уже нельзя изменить.',
  'booking-expired': 'Время брони истекло, места освобождены. Забронируйте заново.',
  'seat-not-found': 'Такого места нет.',
  'seat-taken': 'Это место только что заняли. Выберите другое.',
  'seat-not-yours': 'Это место держит другой покупатель.',
  'seat-not-held': 'Этого места нет в брони, которую вы можете изменить.',
  'too-many-seats': 'Лимит мест в одной брони на это событие: {max}.',
  'active-booking-exists': 'У вас уже есть открытая бронь на это событие. Сначала оплатите или отмените её.',
  'ticket-type-not-found': 'Такого вида билетов на это событие нет.',
  'sold-out': 'Билеты закончились.',
  'sold-out.few': 'Осталось только {available}.',
  'outside-sales-window': 'Эти билеты сейчас не продаются.',
  'quantity-too-large': 'В одном заказе можно не больше {max}.',
  'empty-booking': 'Перед оплатой добавьте места или билеты.',
  'contact-required': 'Для этого события укажите в профиле телефон или Telegram.',
  'reset-disabled': 'Сброс на этом сервере выключен.',
  'user-limit-reached': 'Лимит билетов на одного человека на это событие: {max}.',
  'too-many-selections': 'Слишком часто выбираете места. Попробуйте снова через {retry_after} с.',
  'queue-required': 'Билеты на это событие продаются через зал ожидания. Сначала встаньте в очередь.',
  'no-waiting-room': 'У этого события сейчас нет зала ожидания: билеты можно купить сразу.',
  'too-many-joins': 'Слишком много попыток встать в очередь. Попробуйте снова через {retry_after} с.',
  'room-needs-a-limit': 'Задайте скорость впуска, предел одновременных покупателей или и то и другое.',
  'booking-not-payable': 'В нынешнем статусе эту бронь нельзя оплатить.',
  'booking-changed': 'Бронь изменилась, пока готовилась оплата. Попробуйте ещё раз.',
  'refund-window-closed': 'Оплаченную бронь можно отменить не позже чем за {cutoff_hours} ч до начала события.',
  'seat-not-in-booking': 'Вернуть можно только проданные места из этой брони.',
  'payment-required': 'Эта бронь подтверждается оплатой.',
  'illegal-booking-transition': 'В нынешнем статусе с бронью этого сделать нельзя.',
  'idempotency-key-reused': 'Этот запрос столкнулся с предыдущим. Обновите страницу и попробуйте ещё раз.',
  'idempotency-in-progress': 'Предыдущий запрос ещё обрабатывается. Подождите немного.',
  'not-sold-out': 'Билеты ещё есть (осталось: {available}) — купите их вместо листа ожидания.',
  'already-waiting': 'Вы уже в листе ожидания на это событие.',
  'waitlist-entry-not-found': 'Такой записи в листе ожидания нет.',
  'waitlist-entry-closed': 'Эта запись в листе ожидания уже закрыта.',

  'promo-code-unknown': 'Такого промокода на это событие нет. Проверьте написание.',
  'promo-code-inactive': 'Организатор отключил этот промокод.',
  'promo-code-not-yet-valid': 'Этот промокод действует с {valid_from}.',
  'promo-code-expired': 'Срок действия промокода истёк {valid_until}.',
  'promo-code-used-up': 'Этот промокод уже использован максимальное число раз.',
  'promo-code-not-applicable': 'Этот промокод не подходит к этим билетам.',
  'promo-code-not-found': 'Этого промокода больше нет.',
  'promo-code-exists': 'У события уже есть код {codes}.',
  'promo-max-uses-below-uses': 'Код уже использован {uses} раз: максимум не может быть меньше.',
  'promo-limit-not-of-event': 'Выбранный вид билетов или зона не относится к этому событию.',
  'ticket-type-locked': 'Эти билеты продаются только по промокоду, который их открывает.',

  'payment-gateway-unavailable': 'Платёжный сервис не отвечает. Бронь не изменилась; попробуйте чуть позже.',
  'payment-gateway-error': 'Платёжный сервис не смог начать оплату. Бронь не изменилась; попробуйте позже.',
  'payment-in-progress': 'Оплата этой брони уже идёт. Дождитесь результата.',
  'nothing-to-pay': 'Эта бронь бесплатная: подтвердите её без оплаты.',
  'amount-below-gateway-minimum': 'Сумма меньше минимальной, которую принимает платёжный сервис.',
  'invalid-webhook-signature': 'Подпись вебхука отсутствует или неверна.',

  'ticket-not-found': 'Такого билета нет.',
  'ticket-code-forged': 'Это не настоящий билет: код выдан не нами или изменён.',
  'ticket-code-unknown': 'Этот код больше не действует: у билета уже новый код.',
  'ticket-cancelled': 'Этот билет отменён.',
  'ticket-already-used': 'По этому билету уже прошли: {used_at}, вход {gate}.',
  'ticket-other-event': 'Этот билет на другое событие.',
  'scan-id-reused': 'Сканирование совпало с предыдущим. Отсканируйте билет ещё раз.',

  'notification-not-found': 'Такого уведомления нет.',
  'webhook-not-found': 'Такого вебхука нет.',
  'bad-webhook-url': 'Этот адрес вебхука не подходит.',

  // Аренда: залы, тарифы, доп. услуги, аренды.
  'hall-not-found': 'Такого зала нет.',
  'rental-not-found': 'Такой аренды нет.',
  'extra-not-found': 'Студия не предлагает эту услугу.',
  'closure-not-found': 'Такого закрытия нет.',
  'invalid-hall': 'Проверьте настройки зала.',
  'invalid-tariff': 'Проверьте тариф.',
  'invalid-range': 'Проверьте даты и время.',
  'not-on-quarter-hour': 'Начало и конец — на четверть часа (:00, :15, :30, :45).',
  'hall-closed': 'Зал закрыт в часть этого времени.',
  'rental-length': 'Этот зал арендуют на срок от {min_minutes} до {max_minutes} минут.',
  'notice-too-short': 'Этот зал бронируют не позже чем за {min_notice_minutes} минут.',
  'beyond-horizon': 'Этот зал бронируют не дальше чем на {horizon_days} дней вперёд.',
  'hall-not-priced': 'У этого зала ещё нет цен.',
  'time-not-priced': 'У части этого времени нет цены. Выберите другие часы.',
  'extra-currency-mismatch': 'Эта услуга стоит в другой валюте, чем зал.',
  'rental-total-too-large': 'Такая аренда стоит больше, чем допускает один заказ.',
  'slot-taken': 'Это время только что заняли. Выберите другое.',
  'extra-out-of-stock': 'Эта услуга в это время уже вся занята.',
  'illegal-rental-transition': 'Эту аренду уже нельзя так изменить.',
  'field:email': 'Эл. почта',
  'field:password': 'Пароль',
  'field:current_password': 'Текущий пароль',
  'field:new_password': 'Новый пароль',
  'field:first_name': 'Имя',
  'field:surname': 'Фамилия',
  'field:phone': 'Телефон',
  'field:telegram': 'Telegram',
  'field:title': 'Название',
  'field:description': 'Описание',
  'field:venue': 'Площадка',
  'field:address': 'Адрес',
  'field:timezone': 'Часовой пояс',
  'field:starts_at': 'Начало',
  'field:type': 'Тип',
  'field:hold_ttl_seconds': 'Время брони',
  'field:slug': 'Адрес страницы',
  'field:name': 'Название',
  'field:role': 'Роль',
  'field:quantity': 'Количество',
  'field:price': 'Цена',
  'field:url': 'Адрес',
  'field:seat_ids': 'Места',
};

export const problems: { en: Record<ProblemKey, string>; ru: Record<ProblemKey, string> } = { en, ru };

/** Codes whose API detail is technical: the English UI shows the sentence above instead. */
export const EN_OVER_DETAIL: ReadonlySet<string> = new Set([
  'validation-error',
  'malformed-body',
  'bad-request',
  'unsupported-media-type',
  'body-too-large',
  'malformed-url',
  'malformed-request',
  'headers-too-large',
  'not-found',
  'invalid-refresh-token',
  'invalid-token',
  'idempotency-key-reused',
  'idempotency-in-progress',
  'scan-id-reused',
  'promo-code-not-yet-valid',
  'promo-code-expired',
  'network-error',
  'server-unavailable',
  'error',
]);

/** What ErrorText knows about a failure: the problem code, status, detail and members. */
export interface ProblemInput {
  status: number;
  code: string;
  detail: string;
  members?: Record<string, unknown>;
}

type Locale = keyof typeof problems;

/** The sentence to show for a problem in a locale, following the rule at the top of this file. */
export function problemText(input: ProblemInput, locale: Locale): string {
  const members = input.members ?? {};
  const code = input.code === 'error' ? (input.status >= 500 ? 'server-unavailable' : 'error') : input.code;
  if (!isKey(code)) return input.detail;
  if (locale === 'en' && !EN_OVER_DETAIL.has(code) && input.code !== 'error') return input.detail;
  const { key, values } = variant(code, input, members, locale);
  return fillProblem(problems[locale][key], values, input.detail);
}

function isKey(code: string): code is ProblemKey {
  return Object.hasOwn(en, code) && !code.includes('.') && !code.startsWith('field:');
}

/** Picks the variant key of a code and the values its placeholders take. */
function variant(
  code: ProblemKey,
  input: ProblemInput,
  members: Record<string, unknown>,
  locale: Locale,
): { key: ProblemKey; values: Record<string, unknown> } {
  const errors = Array.isArray(members.errors) ? (members.errors as { field?: unknown; message?: unknown }[]) : [];
  switch (code) {
    case 'validation-error': {
      const fields = errors.map((issue) => {
        const label = fieldLabel(typeof issue.field === 'string' ? issue.field : '', locale);
        // The API's message is English: the English UI keeps it, the Russian one names the field.
        return locale === 'en' && typeof issue.message === 'string' ? `${label} (${issue.message})` : label;
      });
      const unique = [...new Set(fields)];
      if (unique.length === 0) return { key: 'validation-error.none', values: {} };
      return { key: unique.length > 1 ? 'validation-error.many' : code, values: { fields: unique.join(', ') } };
    }
    case 'weak-password': {
      const reason = typeof errors[0]?.message === 'string' ? errors[0].message : input.detail;
      const n = /\d+/.exec(reason)?.[0];
      if (/at least/.test(reason)) return { key: 'weak-password.short', values: { n } };
      if (/at most/.test(reason)) return { key: 'weak-password.long', values: { n } };
      if (/common/.test(reason)) return { key: 'weak-password.common', values: {} };
      if (/email/.test(reason)) return { key: 'weak-password.email', values: {} };
      return { key: code, values: {} };
    }
    case 'sold-out':
      return { key: Number(members.available) > 0 ? 'sold-out.few' : code, values: members };
    case 'event-not-editable':
      return { key: members.event_status === 'PUBLISHED' ? 'event-not-editable.published' : code, values: members };
    case 'promo-code-not-yet-valid':
    case 'promo-code-expired': {
      // The API gives the instant in ISO form: said as a date and time in the reader's terms.
      const format = (value: unknown) =>
        typeof value === 'string' && !Number.isNaN(Date.parse(value))
          ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value))
          : undefined;
      return {
        key: code,
        values: { ...members, valid_from: format(members.valid_from), valid_until: format(members.valid_until) },
      };
    }
    case 'promo-code-exists':
      return { key: code, values: { ...members, codes: Array.isArray(members.codes) ? members.codes.join(', ') : undefined } };
    case 'ticket-already-used': {
      const usedAt = typeof members.used_at === 'string' ? new Date(members.used_at) : null;
      const when =
        usedAt && !Number.isNaN(usedAt.getTime())
          ? new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short' }).format(usedAt)
          : undefined;
      return { key: code, values: { ...members, used_at: when } };
    }
    default:
      return { key: code, values: members };
  }
}

function fieldLabel(field: string, locale: Locale): string {
  const name = field.split('/').filter(Boolean).pop() ?? field;
  const key = `field:${name}`;
  const label = Object.hasOwn(en, key) ? problems[locale][key as ProblemKey] : name;
  return locale === 'ru' ? `«${label}»` : `“${label}”`;
}

const NUMERIC = new Set(['n', 'max', 'available', 'retry_after', 'cutoff_hours']);

/** Fills the `{name}` marks of a sentence; a mark with no string or number value stays as it is. */
export function fill(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (mark, name: string) => {
    const value = values[name];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : mark;
  });
}

/**
 * Fills a problem's sentence. A number missing from the members takes the first number in the
 * detail (the API's sentence always carries the limit it names); otherwise the detail is shown.
 */
function fillProblem(template: string, values: Record<string, unknown>, detail: string): string {
  const complete = { ...values };
  for (const [, name = ''] of template.matchAll(/\{(\w+)\}/g)) {
    const value = complete[name];
    if (typeof value === 'string' || typeof value === 'number') continue;
    const number = NUMERIC.has(name) ? /\d+/.exec(detail)?.[0] : undefined;
    if (number === undefined) return detail;
    complete[name] = number;
  }
  return fill(template, complete);
}
