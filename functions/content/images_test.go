package content

import (
	"slices"
	"strings"
	"testing"
)

// newsWith is a news page whose text starts on line 5.
func newsWith(text string) string {
	return "---\ntitle: 社内報\ndate: 2026-04-01\n---\n" + text
}

func TestCheckImages(t *testing.T) {
	media := map[string]string{
		"site/assets/media/lounge.jpg":  "a JPEG",
		"site/assets/media/会場.jpg":      "a JPEG with a Japanese name",
		"site/assets/media/iphone.heic": "a HEIC",
		"site/assets/media/2026/x.png":  "in a subfolder",
		"site/assets/secret.jpg":        "an asset outside media",
		"site/assets/media/folder.jpg/": "",
		"site/assets/media/LICENSE":     "no extension",
	}
	tests := []struct {
		name string
		text string
		want []string
	}{
		{
			name: "alt text, a title, a subfolder, an encoded name, a bundle file and another site",
			text: "![ラウンジで談笑する参加者](/media/lounge.jpg \"ラウンジ\")\n\n![**太字**の説明](/media/2026/x.png)\n\n![会場の入口](/media/%E4%BC%9A%E5%A0%B4.jpg)\n\n![地図](map.png) ![ロゴ](https://example.com/logo.png)\n",
		},
		{
			name: "empty alt text, at its line",
			text: "はじめに。\n\n![](/media/lounge.jpg)\n",
			want: []string{"content/news/x.md:7: image /media/lounge.jpg needs alt text: describe what it shows between ![ and ]"},
		},
		{
			name: "blank alt text, inside a paragraph's second line",
			text: "一行目の文章と\n画像 ![  ](https://example.com/a.png) です。\n",
			want: []string{"content/news/x.md:6: image https://example.com/a.png needs alt text: describe what it shows between ![ and ]"},
		},
		{
			name: "a reference image without alt text, at the image not the definition",
			text: "![][photo]\n\n[photo]: /media/lounge.jpg\n",
			want: []string{"content/news/x.md:5: image /media/lounge.jpg needs alt text: describe what it shows between ![ and ]"},
		},
		{
			name: "an image in a table cell",
			text: "| 写真 |\n| --- |\n| ![](/media/lounge.jpg) |\n",
			want: []string{"content/news/x.md:7: image /media/lounge.jpg needs alt text: describe what it shows between ![ and ]"},
		},
		{
			name: "code is not an image",
			text: "`![](/media/none.jpg)`\n\n```\n![](/media/none.jpg)\n```\n",
		},
		{
			name: "an upload that is not there",
			text: "\n![懇親会の様子](/media/party.jpg)\n",
			want: []string{"content/news/x.md:6: image /media/party.jpg not found: upload it in the CMS, or add the file site/assets/media/party.jpg"},
		},
		{
			name: "no alt text and not there: both",
			text: "![](/media/party.jpg)\n",
			want: []string{
				"content/news/x.md:5: image /media/party.jpg needs alt text: describe what it shows between ![ and ]",
				"content/news/x.md:5: image /media/party.jpg not found: upload it in the CMS, or add the file site/assets/media/party.jpg",
			},
		},
		{
			name: "an address climbing out of media, a folder, a name in another case",
			text: "![a](/media/../secret.jpg)\n![b](/media/folder.jpg)\n![c](/media/Lounge.jpg)\n",
			want: []string{
				"content/news/x.md:5: image /media/../secret.jpg is outside site/assets/media: write an upload's address as /media/ and its file name",
				"content/news/x.md:6: image /media/folder.jpg not found: upload it in the CMS, or add the file site/assets/media/folder.jpg",
				"content/news/x.md:7: image /media/Lounge.jpg not found: upload it in the CMS, or add the file site/assets/media/Lounge.jpg",
			},
		},
		{
			name: "a format browsers do not all show",
			text: "![iPhoneで撮った写真](/media/iphone.heic)\n",
			want: []string{"content/news/x.md:5: image /media/iphone.heic is a heic file, which not every browser shows: save it as JPEG, PNG or WebP and upload that"},
		},
		{
			name: "a file without an extension",
			text: "![ライセンス](/media/LICENSE)\n",
			want: []string{"content/news/x.md:5: image /media/LICENSE has no file extension: save it as JPEG, PNG or WebP (.jpg, .png, .webp) and upload that"},
		},
		{
			name: "no text after the front matter",
			text: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			files := map[string]string{"content/news/x.md": newsWith(tt.text)}
			for name, text := range media {
				if strings.HasSuffix(name, "/") {
					writeTree(t, ".", map[string]string{name + "inside": text})
					continue
				}
				files[name] = text
			}
			writeTree(t, ".", files)
			problems, err := Check("content")
			if err != nil {
				t.Fatal(err)
			}
			got := make([]string, len(problems))
			for i, p := range problems {
				got[i] = p.String()
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n  got  %q\n  want %q", got, tt.want)
			}
		})
	}
}

// TestMediaDir: the uploads are found beside the content folder however it is written.
func TestMediaDir(t *testing.T) {
	for dir, want := range map[string]string{
		"content":            "site/assets/media",
		"./content/":         "site/assets/media",
		"/repo/content":      "/repo/site/assets/media",
		"../okaeri/content":  "../okaeri/site/assets/media",
		"testdata/x/content": "testdata/x/site/assets/media",
	} {
		if got := MediaDir(dir); got != want {
			t.Errorf("MediaDir(%q) = %q, want %q", dir, got, want)
		}
	}
}
