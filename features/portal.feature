@portal
Feature: Find a government service on the portal
  The portal is where every citizen starts. It speaks Japanese first and English on request,
  and says what each journey needs and how long it takes before anyone begins.

  Scenario: A resident reads the portal in Japanese
    Given Kenta opens the Madoguchi portal
    Then the page is in Japanese
    And Kenta sees the heading "行政手続きを、オンラインでひとつの窓口から"
    And Kenta sees these services:
      | service            | needs                                          | time              |
      | 住民票の写しの交付 | マイナンバーカードと利用者証明用暗証番号（数字4桁） | 約1分             |
      | 児童手当・保育     | 署名用パスワード（6〜16文字）                  | 約10分            |
      | 1日で会社設立      | 資本金を払い込んだ銀行口座                     | 申請に約30分、登記は24時間以内 |
      | 国民年金           | 申請を送信するための署名用パスワード（6〜16文字） | 約5〜10分         |
    And only the residence certificate is open online; every other service says: オンライン受付準備中

  Scenario: A resident switches to English and the choice follows them
    Given Kenta opens the Madoguchi portal
    When Kenta switches the language to English
    Then the page is in English
    And Kenta sees the heading "Government services online, in one place"
    And Kenta sees these services:
      | service                                        | needs                                     | time             |
      | Get a copy of your residence record (juminhyo) | your My Number card and its 4-digit PIN   | About 1 minute   |
      | Child allowance and childcare                  | your signature password (6 to 16 characters) | About 10 minutes |
      | Start a company in one day                     | a bank account into which the capital has been paid | About 30 minutes to apply; registration within 24 hours |
      | National Pension                               | your signature password (6 to 16 characters) to send an application | About 5 to 10 minutes |
    When Kenta opens the "Get a copy of your residence record (juminhyo)" service
    Then Kenta is on the residence service
    And the page is in English
    And Kenta sees the heading "Get a copy of your residence record (juminhyo)"
    And Kenta reads the notice "You can also get a copy at the Sakuragi City office counter, at a convenience store with your My Number card, or by post."

  Scenario: The language switch works without JavaScript
    Given Kenta's browser has JavaScript turned off
    And Kenta opens the Madoguchi portal
    When Kenta switches the language to English
    Then the page is in English
    When Kenta switches the language to Japanese
    Then the page is in Japanese

  Scenario: A keyboard user skips straight to the main content
    Given Kenta opens the Madoguchi portal
    When Kenta skips to the main content with the keyboard
    Then the keyboard focus is on the main content

  @a11y
  Scenario Outline: The portal home page is accessible in <language>
    Given Kenta opens the Madoguchi portal in <language>
    Then the page is in <language>
    And an accessibility scan finds no serious or critical problems
    And the browser reports no content security policy violations

    Examples:
      | language |
      | Japanese |
      | English  |

  @a11y
  Scenario: Before signing in, a resident reads what the city keeps about her and why
    Given Kenta opens the Madoguchi portal in English
    When Kenta opens the "Get a copy of your residence record (juminhyo)" service
    And Kenta follows the footer link "Privacy notice"
    Then Kenta sees the heading "Privacy notice"
    And the notice says Sakuragi City is responsible and how long each thing is kept
    And an accessibility scan finds no serious or critical problems
    When Kenta follows the footer link "Accessibility statement"
    Then Kenta sees the heading "Accessibility statement"
    And an accessibility scan finds no serious or critical problems
    When Kenta follows the footer link "Cookies"
    Then Kenta sees the heading "Cookies"
    And the page lists only the cookies residence_session and kit_lang
    And an accessibility scan finds no serious or critical problems
