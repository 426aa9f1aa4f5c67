/* lang.c: ISO 639-1 codes to English language names. */
#include "compat.h"

#include <ctype.h>
#include <string.h>

#include "lang.h"

/*
 * The codes and names of ISO 639-1 (https://www.loc.gov/standards/iso639-2/
 * php/code_list.php, the "English name of Language" column, first name
 * given) for the languages content is most often written in; others are
 * passed through as the user wrote them.
 */
static const struct {
	char code[3];
	const char *name;
} langs[] = {
	{ "af", "Afrikaans" }, { "ar", "Arabic" }, { "bg", "Bulgarian" },
	{ "bn", "Bengali" }, { "ca", "Catalan" }, { "cs", "Czech" },
	{ "cy", "Welsh" }, { "da", "Danish" }, { "de", "German" },
	{ "el", "Greek" }, { "en", "English" }, { "es", "Spanish" },
	{ "et", "Estonian" }, { "eu", "Basque" }, { "fa", "Persian" },
	{ "fi", "Finnish" }, { "fr", "French" }, { "ga", "Irish" },
	{ "gl", "Galician" }, { "gu", "Gujarati" }, { "he", "Hebrew" },
	{ "hi", "Hindi" }, { "hr", "Croatian" }, { "hu", "Hungarian" },
	{ "hy", "Armenian" }, { "id", "Indonesian" }, { "is", "Icelandic" },
	{ "it", "Italian" }, { "ja", "Japanese" }, { "ka", "Georgian" },
	{ "kk", "Kazakh" }, { "km", "Khmer" }, { "kn", "Kannada" },
	{ "ko", "Korean" }, { "lt", "Lithuanian" }, { "lv", "Latvian" },
	{ "mk", "Macedonian" }, { "ml", "Malayalam" }, { "mr", "Marathi" },
	{ "ms", "Malay" }, { "mt", "Maltese" }, { "nb", "Norwegian Bokmål" },
	{ "ne", "Nepali" }, { "nl", "Dutch" }, { "nn", "Norwegian Nynorsk" },
	{ "no", "Norwegian" }, { "pa", "Punjabi" }, { "pl", "Polish" },
	{ "pt", "Portuguese" }, { "ro", "Romanian" }, { "ru", "Russian" },
	{ "sk", "Slovak" }, { "sl", "Slovenian" }, { "sq", "Albanian" },
	{ "sr", "Serbian" }, { "sv", "Swedish" }, { "sw", "Swahili" },
	{ "ta", "Tamil" }, { "te", "Telugu" }, { "th", "Thai" },
	{ "tl", "Tagalog" }, { "tr", "Turkish" }, { "uk", "Ukrainian" },
	{ "ur", "Urdu" }, { "uz", "Uzbek" }, { "vi", "Vietnamese" },
	{ "zh", "Chinese" }, { "zu", "Zulu" },
};

const char *
lang_name(const char *lang)
{
	char code[3];

	if (!lang || !isalpha((unsigned char)lang[0]) || !isalpha((unsigned char)lang[1]) ||
	    (lang[2] && lang[2] != '-' && lang[2] != '_'))
		return lang;
	code[0] = (char)tolower((unsigned char)lang[0]);
	code[1] = (char)tolower((unsigned char)lang[1]);
	code[2] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(langs); i++)
		if (!strcmp(langs[i].code, code))
			return langs[i].name;
	return lang;
}
