/*
 * Optional C speedups for socketio.packet.
 *
 * fill_in(data, attachments): put the binary attachments of a received
 * BINARY_EVENT / BINARY_ACK packet in place of their placeholders, i.e. every
 * dict whose "_placeholder" value is True becomes attachments[dict["num"]].
 * Lists and dicts (exact types, as made by the JSON decoder) are updated in
 * place; the new top-level value is returned. It does what the pure Python
 * socketio.packet._py_fill_in does, which is used when this module is not
 * built (the tests run both).
 *
 * parse_header(text, max_attachments): parse the header of a Socket.IO text
 * packet (type digit, attachment count of a binary packet, namespace, ack
 * id) like socketio.packet._py_parse_header, with the same ValueError
 * messages. Returns (type, count, namespace or None, id or None, data_start).
 *
 * decode(text, max_attachments, max_depth, scan_once, max_digits): the whole
 * decode of a text packet (header, then the JSON data with the given C
 * scanner) in the usual case, returning (type, count, namespace, id, data).
 * Anything else (data with more '[' and '{' than max_depth, which needs the
 * depth check, or longer than 4096 characters; more than max_digits digits
 * in a row, when max_digits > 0, which may be an integer engineio.json
 * refuses; leading or trailing whitespace; invalid JSON; an event that is
 * not a list starting with a str; a binary event without data) returns
 * None, and socketio.packet.Packet.decode does it in Python, raising the
 * errors.
 *
 * digit_run(text, start, limit): whether text[start:] holds more than limit
 * digits in a row (the same test, for the Python path of long texts).
 *
 * encode_text(type, namespace, id, data, encoder): the text of a packet
 * whose data holds no bytes, the JSON made by the given C encoder (called as
 * encoder(data, 0), which gives a list of chunks), like
 * socketio.packet.Packet.encode. None when the Python code must do it:
 * bytes (or a container subclass, or an object JSON cannot carry) in the
 * data, data nested too deeply, a namespace that is not a str, a type that
 * is not a digit.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *str_placeholder;  /* "_placeholder" */
static PyObject *str_num;          /* "num" */
static PyObject *str_bracket;      /* "[" */
static PyObject *str_brace;        /* "{" */
static PyObject *str_empty;        /* "" */
static PyObject *int_zero;         /* 0 */
static PyObject *type_digits[10];  /* "0" to "9" */

static PyObject *
invalid_placeholder(void)
{
    PyErr_SetString(PyExc_ValueError, "Invalid binary placeholder");
    return NULL;
}

/* New reference to the attachment a placeholder dict names. */
static PyObject *
attachment_for(PyObject *placeholder, PyObject *attachments)
{
    PyObject *num = PyDict_GetItemWithError(placeholder, str_num);
    Py_ssize_t index;

    if (num == NULL) {
        return PyErr_Occurred() ? NULL : invalid_placeholder();
    }
    if (!PyLong_CheckExact(num)) {  /* bool and float are not accepted */
        return invalid_placeholder();
    }
    index = PyLong_AsSsize_t(num);
    if (index == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return invalid_placeholder();
    }
    if (index < 0 || index >= PySequence_Fast_GET_SIZE(attachments)) {
        return invalid_placeholder();
    }
    num = PySequence_Fast_GET_ITEM(attachments, index);
    Py_INCREF(num);
    return num;
}

/* 1 if dict is a placeholder, 0 if not, -1 on error. */
static int
is_placeholder(PyObject *dict)
{
    PyObject *flag = PyDict_GetItemWithError(dict, str_placeholder);

    if (flag == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    return flag == Py_True;
}

#define IS_CONTAINER(obj) (PyDict_CheckExact(obj) || PyList_CheckExact(obj))

static PyObject *fill(PyObject *data, PyObject *attachments);

static int
fill_dict(PyObject *dict, PyObject *attachments)
{
    Py_ssize_t pos = 0;
    PyObject *key, *value, *filled;

    while (PyDict_Next(dict, &pos, &key, &value)) {
        if (!IS_CONTAINER(value)) {
            continue;
        }
        filled = fill(value, attachments);
        if (filled == NULL) {
            return -1;
        }
        /* a new value for an existing key: the dict is not resized */
        if (filled != value && PyDict_SetItem(dict, key, filled) < 0) {
            Py_DECREF(filled);
            return -1;
        }
        Py_DECREF(filled);
    }
    return 0;
}

static int
fill_list(PyObject *list, PyObject *attachments)
{
    Py_ssize_t i;
    PyObject *value, *filled;

    for (i = 0; i < PyList_GET_SIZE(list); i++) {
        value = PyList_GET_ITEM(list, i);
        if (!IS_CONTAINER(value)) {
            continue;
        }
        filled = fill(value, attachments);
        if (filled == NULL) {
            return -1;
        }
        if (filled != value) {
            PyList_SetItem(list, i, filled);  /* steals the reference */
        }
        else {
            Py_DECREF(filled);
        }
    }
    return 0;
}

/* New reference to what replaces data (data itself unless a placeholder). */
static PyObject *
fill(PyObject *data, PyObject *attachments)
{
    int status;

    if (PyDict_CheckExact(data)) {
        status = is_placeholder(data);
        if (status < 0) {
            return NULL;
        }
        if (status) {
            return attachment_for(data, attachments);
        }
    }
    else if (!PyList_CheckExact(data)) {
        Py_INCREF(data);
        return data;
    }
    if (Py_EnterRecursiveCall(" while filling in binary attachments")) {
        return NULL;
    }
    status = PyDict_CheckExact(data) ? fill_dict(data, attachments)
                                     : fill_list(data, attachments);
    Py_LeaveRecursiveCall();
    if (status < 0) {
        return NULL;
    }
    Py_INCREF(data);
    return data;
}

static PyObject *
fill_in(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *attachments, *result;

    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError,
                        "fill_in() takes exactly 2 arguments (data, attachments)");
        return NULL;
    }
    attachments = PySequence_Fast(args[1], "attachments must be a sequence");
    if (attachments == NULL) {
        return NULL;
    }
    result = fill(args[0], attachments);
    Py_DECREF(attachments);
    return result;
}

/* ---- parse_header ------------------------------------------------------ */

#define BINARY_EVENT 5
#define BINARY_ACK 6
#define MAX_ID_DIGITS 100       /* longer ack ids are refused */
#define MAX_COUNT_DIGITS 9      /* longer attachment counts are refused */
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')  /* ASCII digits only */
/* the character at index of the str whose kind and data are in scope */
#define CHAR_AT(index) PyUnicode_READ(kind, data, (index))

static PyObject *
header_error(const char *message)
{
    PyErr_SetString(PyExc_ValueError, message);
    return NULL;
}

/* 1 if count > max_attachments, 0 if not, -1 on error (compared like
 * Python does, any type of max_attachments). */
static int
count_too_large(long count, PyObject *max_attachments)
{
    PyObject *py_count;
    int overflow, result;
    long max;

    if (PyLong_CheckExact(max_attachments)) {
        max = PyLong_AsLongAndOverflow(max_attachments, &overflow);
        if (overflow) {
            return overflow < 0;  /* below LONG_MIN: any count is larger */
        }
        if (max == -1 && PyErr_Occurred()) {
            return -1;
        }
        return count > max;
    }
    py_count = PyLong_FromLong(count);
    if (py_count == NULL) {
        return -1;
    }
    result = PyObject_RichCompareBool(py_count, max_attachments, Py_GT);
    Py_DECREF(py_count);
    return result;
}

/* Parse the attachment count of a binary packet: digits from index 1 and a
 * dash. Store the count and return the index after the dash (0 and 1 when
 * there is no count), or -1 with an exception set. */
static Py_ssize_t
parse_count(int kind, const void *data, Py_ssize_t n,
            PyObject *max_attachments, long *count)
{
    Py_ssize_t j, limit = n < MAX_ID_DIGITS + 1 ? n : MAX_ID_DIGITS + 1;
    long value = 0;
    Py_UCS4 c;
    int too_large;

    /* like the Python code, look at up to 100 digits before giving up */
    for (j = 1; j < limit; j++) {
        c = CHAR_AT(j);
        if (!IS_DIGIT(c)) {
            break;
        }
        if (j <= MAX_COUNT_DIGITS) {
            value = value * 10 + (long)(c - '0');
        }
    }
    if (j == 1 || j >= n || CHAR_AT(j) != '-') {
        /* no count: zero attachments, what follows the type is read as usual */
        *count = 0;
        return 1;
    }
    if (j > MAX_COUNT_DIGITS + 1) {
        header_error("Too many attachments");
        return -1;
    }
    too_large = count_too_large(value, max_attachments);
    if (too_large) {
        if (too_large > 0) {
            header_error("Too many attachments");
        }
        return -1;
    }
    *count = value;
    return j + 1;
}

/* New reference to the int written with the ASCII digits text[start:end]. */
static PyObject *
digits_to_int(PyObject *text, int kind, const void *data, Py_ssize_t start,
              Py_ssize_t end)
{
    PyObject *digits, *result;
    long long value = 0;
    Py_ssize_t k;

    if (end - start <= 18) {  /* fits in a long long */
        for (k = start; k < end; k++) {
            value = value * 10 + (long long)(CHAR_AT(k) - '0');
        }
        return PyLong_FromLongLong(value);
    }
    digits = PyUnicode_Substring(text, start, end);
    if (digits == NULL) {
        return NULL;
    }
    result = PyLong_FromUnicodeObject(digits, 10);
    Py_DECREF(digits);
    return result;
}

/* New reference to the namespace starting with '/' at index start: up to
 * the first ',' (or the end), cut at '?'. Stores the index after it (after
 * the comma) in *next. NULL with an exception set if it is invalid. */
static PyObject *
parse_namespace(PyObject *text, int kind, const void *data, Py_ssize_t n,
                Py_ssize_t start, Py_ssize_t *next)
{
    Py_ssize_t end, k;
    Py_UCS4 c;

    end = PyUnicode_FindChar(text, ',', start, n, 1);
    if (end == -2) {
        return NULL;
    }
    if (end < 0) {
        end = *next = n;
    }
    else {
        *next = end + 1;
    }
    for (k = start; k < end; k++) {
        c = CHAR_AT(k);
        if (c == '?') {
            end = k;  /* the query string is not part of the namespace */
            break;
        }
    }
    for (k = start; k < end; k++) {
        c = CHAR_AT(k);
        if (c == '[' || c == '{' || c == '"') {
            return header_error("Invalid namespace");
        }
    }
    return PyUnicode_Substring(text, start, end);
}

/* Parse the header of text (an exact, ready str): store the type, the
 * attachment count, the namespace and the ack id (new references, NULL for
 * none) and return the index where the data starts, or -1 with an
 * exception set. */
static Py_ssize_t
parse_header_into(PyObject *text, PyObject *max_attachments, long *ptype_out,
                  long *count_out, PyObject **namespace_out, PyObject **ack_id_out)
{
    PyObject *namespace = NULL, *ack_id = NULL;
    Py_ssize_t n, i, j, limit;
    Py_UCS4 c;
    long ptype, count = 0;
    int kind;
    const void *data;

    n = PyUnicode_GET_LENGTH(text);
    if (n == 0) {
        header_error("Empty packet");
        return -1;
    }
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);

    c = CHAR_AT(0);
    if (!IS_DIGIT(c)) {
        header_error("Invalid packet type");
        return -1;
    }
    ptype = (long)(c - '0');
    i = 1;
    if (ptype == BINARY_EVENT || ptype == BINARY_ACK) {
        i = parse_count(kind, data, n, max_attachments, &count);
        if (i < 0) {
            return -1;
        }
    }

    if (i < n) {
        c = CHAR_AT(i);
        if (c == '/') {
            namespace = parse_namespace(text, kind, data, n, i, &i);
            if (namespace == NULL) {
                return -1;
            }
            c = i < n ? CHAR_AT(i) : 0;
        }
        if (IS_DIGIT(c)) {
            /* the ack id: up to MAX_ID_DIGITS digits */
            j = i + 1;
            limit = n < i + MAX_ID_DIGITS ? n : i + MAX_ID_DIGITS;
            while (j < limit && IS_DIGIT(CHAR_AT(j))) {
                j++;
            }
            if (j < n) {
                c = CHAR_AT(j);
                if (IS_DIGIT(c)) {
                    header_error("Packet id is too long");
                    goto error;
                }
                if (c == '-' && i == 1) {
                    header_error("Attachment count in a non-binary packet");
                    goto error;
                }
            }
            ack_id = digits_to_int(text, kind, data, i, j);
            if (ack_id == NULL) {
                goto error;
            }
            i = j;
        }
    }
    *ptype_out = ptype;
    *count_out = count;
    *namespace_out = namespace;
    *ack_id_out = ack_id;
    return i;

error:
    Py_XDECREF(namespace);
    return -1;
}

/* New reference to a tuple of the given new references (stolen; a NULL one
 * means None, unless an exception is set, as it is when making an item
 * failed), or NULL with an exception set (all of them released). */
static PyObject *
steal_into_tuple(PyObject **items, int size)
{
    PyObject *result = NULL;
    int k;

    for (k = 0; k < size; k++) {
        if (items[k] == NULL) {
            if (PyErr_Occurred()) {
                goto error;
            }
            items[k] = Py_None;
            Py_INCREF(Py_None);
        }
    }
    result = PyTuple_New(size);
    if (result == NULL) {
        goto error;
    }
    for (k = 0; k < size; k++) {
        PyTuple_SET_ITEM(result, k, items[k]);
    }
    return result;

error:
    for (k = 0; k < size; k++) {
        Py_XDECREF(items[k]);
    }
    return NULL;
}

/* The str argument of parse_header / decode, ready, or NULL. */
static PyObject *
text_argument(PyObject *text, const char *function)
{
    if (!PyUnicode_CheckExact(text)) {
        PyErr_Format(PyExc_TypeError, "%s() text must be a str", function);
        return NULL;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) {
        return NULL;
    }
#endif
    return text;
}

static PyObject *
parse_header(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *text, *namespace, *ack_id, *items[5];
    Py_ssize_t i;
    long ptype, count;

    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "parse_header() takes exactly 2 "
                        "arguments (text, max_attachments)");
        return NULL;
    }
    text = text_argument(args[0], "parse_header");
    if (text == NULL) {
        return NULL;
    }
    i = parse_header_into(text, args[1], &ptype, &count, &namespace, &ack_id);
    if (i < 0) {
        return NULL;
    }
    items[0] = PyLong_FromLong(ptype);
    items[1] = PyLong_FromLong(count);
    items[2] = namespace;
    items[3] = ack_id;
    items[4] = PyLong_FromSsize_t(i);
    return steal_into_tuple(items, 5);  /* a NULL made by an error fails */
}

/* ---- decode --------------------------------------------------------------- */

#define EVENT 2
#define IS_JSON_WHITESPACE(c) ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r')

/* Texts of up to this many characters are checked for their nesting by
 * counting openers (longer ones are left to the Python code, which stops
 * counting early). */
#define MAX_COUNTED 4096

/* 1 if text[start:end] has at most limit '[' and '{' (so it cannot nest
 * deeper than limit), 0 if it has more, or is too long to count here. */
static int
few_openers(PyObject *text, Py_ssize_t start, Py_ssize_t end, Py_ssize_t limit)
{
    Py_ssize_t brackets, braces;

    if (end - start > MAX_COUNTED) {
        return 0;
    }
    brackets = PyUnicode_Count(text, str_bracket, start, end);
    if (brackets < 0 || brackets > limit) {
        PyErr_Clear();
        return 0;
    }
    braces = PyUnicode_Count(text, str_brace, start, end);
    if (braces < 0) {
        PyErr_Clear();
        return 0;
    }
    return brackets + braces <= limit;
}

/* 1 if the exception set is one the Python path reports better (the JSON
 * or depth errors it turns into ValueError): cleared; 0 if not. */
static int
clear_decode_error(void)
{
    if (PyErr_ExceptionMatches(PyExc_StopIteration)
            || PyErr_ExceptionMatches(PyExc_RecursionError)
            || PyErr_ExceptionMatches(PyExc_ValueError)) {
        PyErr_Clear();
        return 1;
    }
    return 0;
}

/* 1 if text[start:end] holds a run of more than limit ASCII digits (an
 * integer too long for engineio.json, which refuses those), else 0. */
static int
long_digit_run(int kind, const void *data, Py_ssize_t start, Py_ssize_t end,
               Py_ssize_t limit)
{
    Py_ssize_t j, run = 0;

    for (j = start; j < end; j++) {
        if (IS_DIGIT(CHAR_AT(j))) {
            if (++run > limit) {
                return 1;
            }
        }
        else {
            run = 0;
        }
    }
    return 0;
}

static PyObject *
digit_run(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *text;
    Py_ssize_t start, limit, n;

    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "digit_run() takes exactly 3 arguments "
                        "(text, start, limit)");
        return NULL;
    }
    text = text_argument(args[0], "digit_run");
    if (text == NULL) {
        return NULL;
    }
    start = PyLong_AsSsize_t(args[1]);
    limit = PyLong_AsSsize_t(args[2]);
    if ((start == -1 || limit == -1) && PyErr_Occurred()) {
        return NULL;
    }
    n = PyUnicode_GET_LENGTH(text);
    if (start < 0 || start > n) {
        PyErr_SetString(PyExc_ValueError, "start out of range");
        return NULL;
    }
    return PyBool_FromLong(long_digit_run(PyUnicode_KIND(text), PyUnicode_DATA(text),
                                          start, n, limit));
}

static PyObject *
decode(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *text, *namespace, *ack_id, *items[5], *call_args[2];
    PyObject *scanned = NULL, *value = NULL, *first;
    Py_ssize_t i, n, max_depth, max_digits, end;
    long ptype, count;
    int kind;
    const void *data;

    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "decode() takes exactly 5 arguments "
                        "(text, max_attachments, max_depth, scan_once, max_digits)");
        return NULL;
    }
    text = text_argument(args[0], "decode");
    if (text == NULL) {
        return NULL;
    }
    i = parse_header_into(text, args[1], &ptype, &count, &namespace, &ack_id);
    if (i < 0) {
        return NULL;
    }
    n = PyUnicode_GET_LENGTH(text);
    kind = PyUnicode_KIND(text);
    data = PyUnicode_DATA(text);
    if (i == n) {
        if (ptype == BINARY_EVENT) {
            goto python_path;  /* an error, reported there */
        }
    }
    else {
        /* text shorter than the depth limit cannot nest deeper */
        max_depth = PyLong_Check(args[2]) ? PyLong_AsSsize_t(args[2]) : -1;
        if (max_depth == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            goto python_path;
        }
        if (IS_JSON_WHITESPACE(CHAR_AT(i))) {
            goto python_path;
        }
        if (n - i > max_depth && !few_openers(text, i, n, max_depth)) {
            goto python_path;  /* the depth check is done there */
        }
        max_digits = PyLong_Check(args[4]) ? PyLong_AsSsize_t(args[4]) : -1;
        if (max_digits == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            goto python_path;
        }
        if (max_digits > 0 && n - i > max_digits
                && long_digit_run(kind, data, i, n, max_digits)) {
            goto python_path;  /* maybe an integer too long: refused there */
        }
        call_args[0] = text;
        call_args[1] = PyLong_FromSsize_t(i);
        if (call_args[1] == NULL) {
            goto error;
        }
        scanned = PyObject_Vectorcall(args[3], call_args, 2, NULL);
        Py_DECREF(call_args[1]);
        if (scanned == NULL) {
            if (clear_decode_error()) {
                goto python_path;
            }
            goto error;
        }
        if (!PyTuple_CheckExact(scanned) || PyTuple_GET_SIZE(scanned) != 2) {
            PyErr_SetString(PyExc_TypeError, "scan_once() must return (value, end)");
            goto error;
        }
        end = PyLong_AsSsize_t(PyTuple_GET_ITEM(scanned, 1));
        if (end == -1 && PyErr_Occurred()) {
            goto error;
        }
        if (end != n) {
            goto python_path;  /* trailing whitespace or extra data */
        }
        value = PyTuple_GET_ITEM(scanned, 0);
        if (ptype == EVENT || ptype == BINARY_EVENT) {
            /* the usual event: a list starting with its name */
            if (!PyList_CheckExact(value) || PyList_GET_SIZE(value) == 0) {
                goto python_path;
            }
            first = PyList_GET_ITEM(value, 0);
            if (!PyUnicode_CheckExact(first)) {
                goto python_path;
            }
        }
        Py_INCREF(value);
        Py_CLEAR(scanned);
    }
    items[0] = PyLong_FromLong(ptype);
    items[1] = PyLong_FromLong(count);
    items[2] = namespace;
    items[3] = ack_id;
    items[4] = value;
    return steal_into_tuple(items, 5);  /* a NULL made by an error fails */

python_path:
    Py_XDECREF(scanned);
    Py_XDECREF(namespace);
    Py_XDECREF(ack_id);
    Py_RETURN_NONE;

error:
    Py_XDECREF(scanned);
    Py_XDECREF(namespace);
    Py_XDECREF(ack_id);
    return NULL;
}

/* ---- encode_text ------------------------------------------------------------ */

/* 0 if value holds no bytes or bytearray (walking exact lists, tuples and
 * dicts), 1 if it does or may (a container subclass, or another object,
 * left to the Python code), -1 with an exception set (deep nesting). */
static int
may_hold_binary(PyObject *value)
{
    PyObject *item, *key;
    Py_ssize_t i, pos = 0;
    int found = 0;

    if (PyUnicode_CheckExact(value) || PyLong_CheckExact(value) || value == Py_None
            || PyFloat_CheckExact(value) || PyBool_Check(value)) {
        return 0;
    }
    if (PyList_CheckExact(value) || PyTuple_CheckExact(value)) {
        if (Py_EnterRecursiveCall(" while looking for binary data")) {
            return -1;
        }
        /* no Python code runs here, so a list keeps its size */
        for (i = 0; i < PySequence_Fast_GET_SIZE(value) && found == 0; i++) {
            found = may_hold_binary(PySequence_Fast_GET_ITEM(value, i));
        }
        Py_LeaveRecursiveCall();
        return found;
    }
    if (PyDict_CheckExact(value)) {
        if (Py_EnterRecursiveCall(" while looking for binary data")) {
            return -1;
        }
        while (found == 0 && PyDict_Next(value, &pos, &key, &item)) {
            found = may_hold_binary(item);
        }
        Py_LeaveRecursiveCall();
        return found;
    }
    return 1;
}

static PyObject *
encode_text(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *namespace, *ack_id, *chunks, *header, *result, *call_args[2];
    long ptype;
    int status;

    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "encode_text() takes exactly 5 arguments "
                        "(type, namespace, id, data, encoder)");
        return NULL;
    }
    namespace = args[1];
    ack_id = args[2];
    if (!PyLong_CheckExact(args[0])) {
        Py_RETURN_NONE;
    }
    ptype = PyLong_AsLong(args[0]);
    if (ptype < 0 || ptype > 9) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    if (namespace != Py_None && !PyUnicode_CheckExact(namespace)) {
        Py_RETURN_NONE;
    }
    status = may_hold_binary(args[3]);
    if (status < 0) {
        if (!PyErr_ExceptionMatches(PyExc_RecursionError)) {
            return NULL;
        }
        PyErr_Clear();  /* reported by the Python code */
    }
    if (status != 0) {
        Py_RETURN_NONE;
    }
    call_args[0] = args[3];
    call_args[1] = int_zero;
    chunks = PyObject_Vectorcall(args[4], call_args, 2, NULL);
    if (chunks == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_RecursionError)) {
            return NULL;  /* TypeError: what JSON cannot carry */
        }
        PyErr_Clear();  /* circular data: reported by the Python code */
        Py_RETURN_NONE;
    }
    /* the json module's C encoder gives a list of pieces up to Python 3.12
       and a tuple holding the whole text from 3.13 */
    if (!PyList_CheckExact(chunks) && !PyTuple_CheckExact(chunks)) {
        Py_DECREF(chunks);
        PyErr_SetString(PyExc_TypeError,
                        "encode_text() encoder must return a list or a tuple");
        return NULL;
    }
    /* namespace None or "/" is the default one, not written */
    if (namespace != Py_None && PyUnicode_GET_LENGTH(namespace) == 1
            && PyUnicode_READ_CHAR(namespace, 0) == '/') {
        namespace = Py_None;
    }
    if (namespace == Py_None) {
        if (ack_id == Py_None) {
            header = type_digits[ptype];
            Py_INCREF(header);
        }
        else {
            header = PyUnicode_FromFormat("%c%S", (int)('0' + ptype), ack_id);
        }
    }
    else if (ack_id == Py_None) {
        header = PyUnicode_FromFormat("%c%U,", (int)('0' + ptype), namespace);
    }
    else {
        header = PyUnicode_FromFormat("%c%U,%S", (int)('0' + ptype), namespace, ack_id);
    }
    if (header == NULL) {
        Py_DECREF(chunks);
        return NULL;
    }
    if (PyTuple_CheckExact(chunks)) {
        PyObject *body = PyUnicode_Join(str_empty, chunks);
        Py_DECREF(chunks);
        if (body == NULL) {
            Py_DECREF(header);
            return NULL;
        }
        result = PyUnicode_Concat(header, body);
        Py_DECREF(header);
        Py_DECREF(body);
        return result;
    }
    if (PyList_Insert(chunks, 0, header) < 0) {
        Py_DECREF(header);
        Py_DECREF(chunks);
        return NULL;
    }
    Py_DECREF(header);
    result = PyUnicode_Join(str_empty, chunks);
    Py_DECREF(chunks);
    return result;
}

static PyMethodDef speedups_methods[] = {
    {"fill_in", (PyCFunction)(void (*)(void))fill_in, METH_FASTCALL,
     "fill_in(data, attachments)\n--\n\n"
     "Replace the binary placeholders of decoded data in place; return the "
     "new top-level value."},
    {"parse_header", (PyCFunction)(void (*)(void))parse_header, METH_FASTCALL,
     "parse_header(text, max_attachments)\n--\n\n"
     "Parse the header of a Socket.IO text packet; return (type, count, "
     "namespace, id, data_start)."},
    {"decode", (PyCFunction)(void (*)(void))decode, METH_FASTCALL,
     "decode(text, max_attachments, max_depth, scan_once, max_digits)\n--\n\n"
     "Decode a Socket.IO text packet in the usual case; return (type, count, "
     "namespace, id, data), or None when the Python code must decide."},
    {"digit_run", (PyCFunction)(void (*)(void))digit_run, METH_FASTCALL,
     "digit_run(text, start, limit)\n--\n\n"
     "Tell whether text[start:] holds more than limit digits in a row."},
    {"encode_text", (PyCFunction)(void (*)(void))encode_text, METH_FASTCALL,
     "encode_text(type, namespace, id, data, encoder)\n--\n\n"
     "Encode a text packet whose data holds no bytes; None when the Python "
     "code must do it."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT, "socketio._speedups",
    "Optional C speedups for socketio.packet.", -1, speedups_methods,
    NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    str_placeholder = PyUnicode_InternFromString("_placeholder");
    if (str_placeholder == NULL) {
        return NULL;
    }
    str_num = PyUnicode_InternFromString("num");
    if (str_num == NULL) {
        return NULL;
    }
    str_bracket = PyUnicode_InternFromString("[");
    if (str_bracket == NULL) {
        return NULL;
    }
    str_brace = PyUnicode_InternFromString("{");
    if (str_brace == NULL) {
        return NULL;
    }
    str_empty = PyUnicode_InternFromString("");
    int_zero = PyLong_FromLong(0);
    if (str_empty == NULL || int_zero == NULL) {
        return NULL;
    }
    for (int k = 0; k < 10; k++) {
        char digit = (char)('0' + k);
        type_digits[k] = PyUnicode_FromStringAndSize(&digit, 1);
        if (type_digits[k] == NULL) {
            return NULL;
        }
    }
    return PyModule_Create(&speedups_module);
}
